"""What intake stores, emits and answers for one decided submission (domain/acceptance.py).

The decision is the domain's; this module turns it into the appeal's row, its event, the
answer to the entrance and the SMS receipt, drawing the identities (appeal id, tracking
number) and a private appeal's inquiry code.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.intake.adapters import repository
from services.intake.domain.acceptance import (
    Accept,
    Acceptance,
    Classified,
    Examined,
    Hold,
    Merge,
    OfClassified,
    OfferAnswer,
    Reject,
)
from services.intake.domain.inquiry import hash_inquiry_code, new_inquiry_code
from services.intake.domain.knowledge import Match
from services.intake.domain.notifications import international, receipt_text
from services.intake.domain.scope import normalise
from services.intake.domain.tracking import new_tracking_number
from services.intake.handlers.accepted import accepted_event
from services.intake.handlers.answers import ANSWER_PURPOSE
from shared.contracts.events import (
    AppealHeldForReview,
    AppealMerged,
    AppealRejected,
    Classification,
    Event,
    NotifyPetitioner,
    SubmitAppeal,
)
from shared.contracts.local_time import SHANGHAI
from shared.hashing import in_hash_pool
from shared.one_time import keyed_hash, new_evaluation_token


@dataclass(frozen=True)
class Outcome:
    appeal_id: UUID
    tracking_number: str
    status: str  # accepted | rejected | pending_review | merged | answer_offered
    reason: str | None = None
    refer_to: str | None = None
    replayed: bool = False  # the same channel message was decided before
    into_tracking_number: str | None = None  # merged: the appeal that handles the problem
    # Private appeals only, on the first decision only: the caller shows it once and forgets it.
    inquiry_code: str | None = None
    answer: str | None = None  # answer_offered: the knowledge base's answer to show or read out
    # accepted, merged, answer_offered: the label and why (method, terms), for the receipt
    classified: dict[str, Any] | None = None
    # answer_offered, first response only: the one-time proof for the petitioner's word on it
    answer_token: str | None = None


@dataclass(frozen=True)
class Recorded:
    """One submission's decision as stored and emitted."""

    outcome: Outcome
    appeal: repository.NewAppeal
    event: Event | None  # None: an answer offered, the event waits for the petitioner's word
    merge: repository.Merge | None = None
    offer: Match | None = None
    answer_token_hash: str | None = None  # with `offer`
    # What the petitioner is told by SMS (the receipt, with a private appeal's inquiry code).
    notice: NotifyPetitioner | None = None


def new_identity(now: datetime) -> tuple[UUID, str]:
    """A fresh appeal id and tracking number (the day's date in Shenyang, then random)."""
    return uuid4(), new_tracking_number(now.astimezone(SHANGHAI).date())


async def record(submission: SubmitAppeal, examined: Examined, acceptance: Acceptance, *, appeal_id: UUID,
                 tracking_number: str, now: datetime, pepper: bytes) -> Recorded:
    """The row, event and receipt of one decision."""
    common: dict[str, Any] = dict(appeal_id=appeal_id, tracking_number=tracking_number, submission=submission,
                                  received_at=now, description=examined.description, petitioner=examined.petitioner)
    ids = dict(appeal_id=appeal_id, tracking_number=tracking_number, channel_message_id=submission.channel_message_id)
    # A classified appeal's columns and the receipt's label, built once (the hot path of a run)
    columns = _classified(acceptance.appeal) if isinstance(acceptance, OfClassified) else {}
    label = told(columns, columns["classification"]) if columns else None
    recorded: Recorded
    if isinstance(acceptance, Reject):
        refusal = acceptance.refusal
        recorded = Recorded(
            Outcome(appeal_id, tracking_number, "rejected", refusal.reason, refusal.refer_to),
            repository.NewAppeal(status="rejected", reason=refusal.reason, refer_to=refusal.refer_to, **common),
            AppealRejected(**ids, channel=submission.channel, reason_code=refusal.reason_code,
                           reason=refusal.reason, refer_to=refusal.refer_to, rejected_at=now))
    elif isinstance(acceptance, Hold):
        code, code_hash = await _inquiry_code(submission, pepper)
        recorded = Recorded(
            Outcome(appeal_id, tracking_number, "pending_review", acceptance.reason, inquiry_code=code),
            repository.NewAppeal(status="pending_review", district=acceptance.district, reason=acceptance.reason,
                                 inquiry_code_hash=code_hash, business_line=False, **common),
            AppealHeldForReview(**ids, channel=submission.channel, reason=acceptance.reason, held_at=now))
    elif isinstance(acceptance, Merge):
        into = acceptance.into
        recorded = Recorded(
            Outcome(appeal_id, tracking_number, "merged", acceptance.reason,
                    into_tracking_number=into.tracking_number, classified=label),
            repository.NewAppeal(status="merged", reason=acceptance.reason, merged_into=into.appeal_id,
                                 **columns, **common),
            AppealMerged(**ids, into_appeal_id=into.appeal_id, into_tracking_number=into.tracking_number,
                         reason=acceptance.reason, merged_at=now),
            repository.Merge(appeal_id, into.appeal_id, acceptance.similarity, acceptance.reason, now))
    elif isinstance(acceptance, OfferAnswer):
        # 直接办结: the caller hears (or the petitioner reads) the answer first; AppealAccepted or
        # AppealAnsweredAtIntake follows their word (handlers/answers.py).
        code, code_hash = await _inquiry_code(submission, pepper)
        token = new_evaluation_token()  # the same form as an evaluation token: 80 bits, typed easily
        recorded = Recorded(
            Outcome(appeal_id, tracking_number, "answer_offered", inquiry_code=code,
                    answer=acceptance.match.entry.answer, classified=label, answer_token=token),
            repository.NewAppeal(status="answer_offered", inquiry_code_hash=code_hash, **columns, **common),
            None, offer=acceptance.match, answer_token_hash=keyed_hash(pepper, ANSWER_PURPOSE, token))
    else:
        recorded = await _accepted(submission, examined, acceptance, common, columns, label, now, pepper)
    return _with_receipt(recorded, examined.petitioner.phone, now)


async def _accepted(submission: SubmitAppeal, examined: Examined, acceptance: Accept, common: dict[str, Any],
                    columns: dict[str, Any], label: dict[str, Any] | None, now: datetime, pepper: bytes) -> Recorded:
    appeal, decision = acceptance.appeal, acceptance.appeal.decision
    code, code_hash = await _inquiry_code(submission, pepper)
    return Recorded(
        Outcome(common["appeal_id"], common["tracking_number"], "accepted", inquiry_code=code, classified=label),
        repository.NewAppeal(status="accepted", inquiry_code_hash=code_hash, **columns, **common),
        accepted_event(
            appeal_id=common["appeal_id"], tracking_number=common["tracking_number"], channel=submission.channel,
            channel_message_id=submission.channel_message_id,
            appeal_type=decision.appeal_type, subtype=decision.subtype, category=decision.category,
            district=appeal.district, description=examined.description, private=submission.private,
            business_line=appeal.business_line, petitioner=examined.petitioner, address=_address(submission),
            classification=_classification(appeal), inquiry_code_hash=code_hash, accepted_at=now))


def _classification(appeal: Classified) -> Classification:
    d = appeal.decision
    return Classification(method=d.method, matched=d.matched, confidence=d.confidence, model_version=d.model_version)


def _classified(appeal: Classified) -> dict[str, Any]:
    """The columns a classified appeal stores."""
    d = appeal.decision
    return dict(appeal_type=d.appeal_type.value, category=d.category,
                subtype=d.subtype.value if d.subtype else None, district=appeal.district,
                business_line=appeal.business_line, classification=_classification(appeal).model_dump())


def told(label: dict[str, Any], classification: dict[str, Any]) -> dict[str, Any]:
    """The classification as the receipt tells it: the label, how it was decided, the terms."""
    return {"appeal_type": label["appeal_type"], "subtype": label.get("subtype"), "category": label["category"],
            "method": classification.get("method"), "terms": list(dict.fromkeys(classification.get("matched") or ())),
            "confidence": classification.get("confidence"), "model_version": classification.get("model_version")}


def _with_receipt(recorded: Recorded, phone: str, now: datetime) -> Recorded:
    """The SMS acknowledging a submission that became (or may become) an appeal; a rejection is
    answered at the channel, an offered answer waits for the petitioner's word."""
    outcome = recorded.outcome
    if outcome.status not in ("accepted", "pending_review", "merged"):
        return recorded
    notice = NotifyPetitioner(
        notification_id=uuid4(), kind="receipt", phone=international(phone), appeal_id=outcome.appeal_id,
        tracking_number=outcome.tracking_number, code=outcome.inquiry_code, created_at=now,
        text=receipt_text(outcome.status, outcome.tracking_number, outcome.inquiry_code,
                          outcome.into_tracking_number))
    return replace(recorded, notice=notice)


def _address(submission: SubmitAppeal) -> str | None:
    return normalise(submission.address) if submission.address else None


async def _inquiry_code(submission: SubmitAppeal, pepper: bytes) -> tuple[str | None, str | None]:
    """A fresh code and its slow hash for a private appeal; (None, None) otherwise.

    Every private appeal gets one, whatever its entrance: it reaches the petitioner by SMS
    (the notifications port), and over HTTP also in the response.
    """
    if not submission.private:
        return None, None
    code = new_inquiry_code()
    # argon2 is slow on purpose; off the event loop so other requests are not held up, and in
    # the bounded hash pool so the memory of the hashes at a time is known.
    return code, await in_hash_pool(hash_inquiry_code, code, pepper)
