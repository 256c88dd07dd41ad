"""Accept one submission, whichever entrance it came through (Kafka or HTTP)."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.intake.adapters import repository
from services.intake.domain.classification import NeedsReview, classify
from services.intake.domain.duplicates import RULE, ProblemFacts, find_same_problem
from services.intake.domain.inquiry import hash_inquiry_code, new_inquiry_code
from services.intake.domain.scope import check_scope, normalise, resolve_district
from services.intake.domain.tracking import new_tracking_number
from services.intake.domain.validators import CheckedPetitioner, InvalidField, check_petitioner
from services.intake.handlers.accepted import accepted_event
from shared.consumer import Rejected
from shared.contracts.events import (
    AppealHeldForReview,
    AppealMerged,
    AppealRejected,
    Classification,
    SubmitAppeal,
)
from shared.unit_of_work import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")


class InvalidSubmission(Rejected):
    """A field that can never be right as sent: 422 over HTTP, a dead letter over Kafka."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ConcurrentSubmission(Exception):
    """Another transaction stored the same channel message first; retrying replays it."""


@dataclass(frozen=True)
class Outcome:
    appeal_id: UUID
    tracking_number: str
    status: str  # accepted | rejected | pending_review | merged
    reason: str | None = None
    refer_to: str | None = None
    replayed: bool = False  # the same channel message was decided before
    into_tracking_number: str | None = None  # merged: the appeal that handles the problem
    # Private appeals only, on the first decision only: the caller shows it once and forgets it.
    inquiry_code: str | None = None


async def accept_submission(uow: UnitOfWork, submission: SubmitAppeal, *, now: datetime,
                            pepper: bytes, answers_caller: bool) -> Outcome:
    """Decide on a submission once: accept, reject, merge or hold for review.

    A replay of the same channel message returns the first decision and emits nothing.
    `answers_caller` says whether the entrance can hand an inquiry code back (HTTP can,
    a Kafka record cannot): a private appeal gets a code only then (see README).
    """
    earlier = await repository.find_by_channel_message(
        uow.conn, submission.channel.value, submission.channel_message_id)
    if earlier is not None:
        return Outcome(earlier.appeal_id, earlier.tracking_number, earlier.status, earlier.reason,
                       earlier.refer_to, replayed=True, into_tracking_number=earlier.into_tracking_number)

    petitioner = _checked_petitioner(submission)
    description = normalise(submission.description)
    appeal_id, tracking_number = uuid4(), new_tracking_number(now.astimezone(SHANGHAI).date())
    common = dict(appeal_id=appeal_id, tracking_number=tracking_number, received_at=now,
                  description=description, petitioner=petitioner)

    refusal = check_scope(description, submission.district)
    if refusal is not None:
        await _insert_once(uow, submission, status="rejected", reason=refusal.reason,
                           refer_to=refusal.refer_to, **common)
        uow.emit(AppealRejected(
            appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
            channel_message_id=submission.channel_message_id,
            reason_code=refusal.reason_code, reason=refusal.reason, refer_to=refusal.refer_to,
            rejected_at=now))
        return Outcome(appeal_id, tracking_number, "rejected", refusal.reason, refusal.refer_to)

    district = resolve_district(submission.district)
    assert district is not None  # check_scope refused unknown districts
    try:
        decision = classify(description, submission.channel, submission.appeal_type,
                            submission.subtype, submission.category)
    except NeedsReview as held:
        code, code_hash = await _inquiry_code(submission, pepper, answers_caller)
        await _insert_once(uow, submission, status="pending_review", district=district.value,
                           reason=str(held), inquiry_code_hash=code_hash,
                           business_line=False, **common)
        uow.emit(AppealHeldForReview(appeal_id=appeal_id, tracking_number=tracking_number,
                                     channel=submission.channel, channel_message_id=submission.channel_message_id,
                                     reason=str(held), held_at=now))
        return Outcome(appeal_id, tracking_number, "pending_review", str(held), inquiry_code=code)
    except ValueError as wrong:
        field = "subtype" if "subtype" in str(wrong) else "category"
        raise InvalidSubmission(field, str(wrong)) from wrong

    same = find_same_problem(
        ProblemFacts(petitioner.phone, district.value, decision.appeal_type.value, decision.category,
                     submission.private, description, now),
        await repository.earlier_appeals(uow.conn, petitioner.phone, now - timedelta(days=RULE.window_days)),
    )
    classified = dict(appeal_type=decision.appeal_type.value, category=decision.category,
                      subtype=decision.subtype.value if decision.subtype else None, district=district.value,
                      business_line=decision.method == "business_line")
    classification = Classification(method=decision.method, matched=decision.matched,
                                    confidence=decision.confidence)
    if same is not None:
        into = same.into
        await _insert_once(uow, submission, status="merged", reason=same.reason, merged_into=into.appeal_id,
                           classification=classification.model_dump(), **classified, **common)
        await repository.record_merge(uow.conn, appeal_id, into.appeal_id, same.similarity, same.reason, now)
        uow.emit(AppealMerged(appeal_id=appeal_id, tracking_number=tracking_number,
                              channel_message_id=submission.channel_message_id,
                              into_appeal_id=into.appeal_id, into_tracking_number=into.tracking_number,
                              reason=same.reason, merged_at=now))
        return Outcome(appeal_id, tracking_number, "merged", same.reason,
                       into_tracking_number=into.tracking_number)

    code, code_hash = await _inquiry_code(submission, pepper, answers_caller)
    await _insert_once(uow, submission, status="accepted", inquiry_code_hash=code_hash,
                       classification=classification.model_dump(), **classified, **common)
    uow.emit(accepted_event(
        appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
        channel_message_id=submission.channel_message_id,
        appeal_type=decision.appeal_type, subtype=decision.subtype, category=decision.category,
        district=district.value, description=description, private=submission.private,
        business_line=classified["business_line"], petitioner=petitioner, address=_address(submission),
        classification=classification, inquiry_code_hash=code_hash, accepted_at=now))
    return Outcome(appeal_id, tracking_number, "accepted", inquiry_code=code)


def _checked_petitioner(submission: SubmitAppeal) -> CheckedPetitioner:
    p = submission.petitioner
    try:
        return check_petitioner(p.name, p.phone, p.id_number, p.enterprise_name, p.credit_code)
    except InvalidField as bad:
        raise InvalidSubmission(bad.field, bad.reason) from bad


def _address(submission: SubmitAppeal) -> str | None:
    return normalise(submission.address) if submission.address else None


async def _inquiry_code(submission: SubmitAppeal, pepper: bytes,
                        answers_caller: bool) -> tuple[str | None, str | None]:
    """A fresh code and its slow hash for a private appeal; (None, None) otherwise."""
    if not (submission.private and answers_caller):
        return None, None
    code = new_inquiry_code()
    # argon2 is slow on purpose; off the event loop so other requests are not held up.
    return code, await asyncio.to_thread(hash_inquiry_code, code, pepper)


async def _insert_once(uow: UnitOfWork, submission: SubmitAppeal, **fields) -> None:
    if not await repository.insert(uow.conn, submission, **fields):
        # A concurrent request stored the same channel message first; the caller's
        # transaction is rolled back and the retry will find and replay that decision.
        raise ConcurrentSubmission(submission.channel_message_id)
