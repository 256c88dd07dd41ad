"""Intake's use cases: accept one submission, whichever entrance it came through."""

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.intake.adapters import repository
from services.intake.domain.classification import NeedsReview, classify
from services.intake.domain.scope import check_scope, normalise, resolve_district
from services.intake.domain.tracking import new_tracking_number
from shared.consumer import Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, AppealRejected, Classification, SubmitAppeal
from shared.unit_of_work import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Outcome:
    appeal_id: UUID
    tracking_number: str
    status: str  # accepted | rejected | pending_review
    reason: str | None = None
    refer_to: str | None = None
    replayed: bool = False  # the same channel message was decided before


async def accept_submission(uow: UnitOfWork, submission: SubmitAppeal, now: datetime | None = None) -> Outcome:
    """Decide on a submission once: accept, reject, or hold for review. Replays return the first decision."""
    earlier = await repository.find_by_channel_message(
        uow.conn, submission.channel.value, submission.channel_message_id
    )
    if earlier is not None:
        return Outcome(earlier.appeal_id, earlier.tracking_number, earlier.status,
                       earlier.reason, earlier.refer_to, replayed=True)

    now = now or datetime.now(UTC)
    appeal_id = uuid4()
    tracking_number = new_tracking_number(now.astimezone(SHANGHAI).date())
    description = normalise(submission.description)
    common = dict(appeal_id=appeal_id, tracking_number=tracking_number, received_at=now)

    refusal = check_scope(description, submission.district)
    if refusal is not None:
        await _insert_once(uow, submission, status="rejected", reason=refusal.reason,
                           refer_to=refusal.refer_to, **common)
        uow.emit(AppealRejected(
            appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
            reason_code=refusal.reason_code, reason=refusal.reason, refer_to=refusal.refer_to,
            rejected_at=now,
        ))
        return Outcome(appeal_id, tracking_number, "rejected", refusal.reason, refusal.refer_to)

    district = resolve_district(submission.district)
    assert district is not None  # check_scope refused unknown districts
    try:
        decision = classify(description, submission.channel, submission.appeal_type,
                            submission.subtype, submission.category)
    except NeedsReview as held:
        await _insert_once(uow, submission, status="pending_review", district=district.value,
                           reason=str(held), **common)
        return Outcome(appeal_id, tracking_number, "pending_review", str(held))
    except ValueError as wrong:
        raise Rejected(str(wrong)) from wrong

    classification = Classification(method=decision.method, matched=decision.matched,
                                    confidence=decision.confidence)
    await _insert_once(
        uow, submission, status="accepted", appeal_type=decision.appeal_type.value,
        subtype=decision.subtype.value if decision.subtype else None, category=decision.category,
        district=district.value, classification=classification.model_dump(), **common,
    )
    uow.emit(AppealAccepted(
        appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
        appeal_type=decision.appeal_type, subtype=decision.subtype, category=decision.category,
        district=district.value, description=description, private=submission.private,
        business_line=decision.method == "business_line", classification=classification,
        accepted_at=now,
    ))
    return Outcome(appeal_id, tracking_number, "accepted")


async def _insert_once(uow: UnitOfWork, submission: SubmitAppeal, **fields) -> None:
    if not await repository.insert(uow.conn, submission, **fields):
        # A concurrent request stored the same channel message first; the caller's
        # transaction is rolled back and the retry will find and replay that decision.
        raise ConcurrentSubmission(submission.channel_message_id)


class ConcurrentSubmission(Exception):
    pass


async def on_submission(uow: UnitOfWork, envelope: Envelope[SubmitAppeal]) -> None:
    await accept_submission(uow, envelope.data, now=None)
