"""Accept submissions, whichever entrance they came through (Kafka in runs, HTTP one at a time)."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.intake.adapters import knowledge_store, repository
from services.intake.domain.classification import Classifier, Decision, NeedsReview, keyword_classifier
from services.intake.domain.duplicates import (
    RULE,
    EarlierAppeal,
    PetitionersAppeals,
    ProblemFacts,
    find_same_problem,
)
from services.intake.domain.inquiry import hash_inquiry_code, new_inquiry_code
from services.intake.domain.knowledge import KnowledgeBase, Match
from services.intake.domain.notifications import international, receipt_text
from services.intake.domain.scope import Refusal, check_scope, normalise, resolve_district
from services.intake.domain.tracking import new_tracking_number
from services.intake.domain.validators import CheckedPetitioner, InvalidField, check_petitioner
from services.intake.handlers.accepted import accepted_event
from shared.consumer import Rejected
from shared.contracts.events import (
    AppealHeldForReview,
    AppealMerged,
    AppealRejected,
    Classification,
    Event,
    NotifyPetitioner,
    SubmitAppeal,
)
from shared.contracts.vocabulary import RequestSubtype
from shared.hashing import in_hash_pool
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
    status: str  # accepted | rejected | pending_review | merged | answer_offered
    reason: str | None = None
    refer_to: str | None = None
    replayed: bool = False  # the same channel message was decided before
    into_tracking_number: str | None = None  # merged: the appeal that handles the problem
    # Private appeals only, on the first decision only: the caller shows it once and forgets it.
    inquiry_code: str | None = None
    answer: str | None = None  # answer_offered: the knowledge base's answer to show or read out
    # accepted, merged, answer_offered: the label and why (method, terms), for the receipt
    classified: dict | None = None


@dataclass(frozen=True)
class _Examined:
    """What the rules say about a submission on its own, before other appeals are looked at."""

    petitioner: CheckedPetitioner
    description: str
    refusal: Refusal | None = None
    district: str | None = None
    classified: Decision | None = None
    held: str | None = None  # why the keyword rules cannot classify it


@dataclass(frozen=True)
class _Decision:
    """One submission's decision: what it answers, what is stored, what is emitted."""

    outcome: Outcome
    appeal: repository.NewAppeal
    event: Event | None  # None: an answer offered, the event waits for the petitioner's word
    merge: repository.Merge | None = None
    offer: Match | None = None
    # What the petitioner is told by SMS (the receipt, with a private appeal's inquiry code).
    notice: NotifyPetitioner | None = None


async def accept_submission(uow: UnitOfWork, submission: SubmitAppeal, *, now: datetime,
                            pepper: bytes, answers_caller: bool, classifier: Classifier | None = None,
                            knowledge: KnowledgeBase | None = None) -> Outcome:
    """Decide on one submission (see `accept_submissions`)."""
    [outcome] = await accept_submissions(uow, [(submission, now)], pepper=pepper, answers_caller=answers_caller,
                                         classifier=classifier, knowledge=knowledge)
    return outcome


async def accept_submissions(uow: UnitOfWork, received: Sequence[tuple[SubmitAppeal, datetime]], *,
                             pepper: bytes, answers_caller: bool,
                             classifier: Classifier | None = None,
                             knowledge: KnowledgeBase | None = None) -> list[Outcome]:
    """Decide on each submission once, in order: accept, reject, merge or hold for review.

    `received` holds (submission, time received) pairs in arrival order. A replay of a channel
    message decided before returns the first decision and emits nothing. `answers_caller` says
    whether the entrance can hand an inquiry code back (HTTP can, a Kafka record cannot): a
    private appeal gets a code only then (see README). `classifier`: the service's loaded model and
    taxonomy (services/intake/classifier.py); without one, the shipped keyword rules. `knowledge`:
    the centre's knowledge base; a consultation close to one of its entries is offered the answer
    (`answer_offered`, nothing emitted yet) when the entrance can show it (HTTP), see handlers/answers.py.

    However many submissions there are, this is two reads (the channel messages already decided,
    the petitioners' accepted appeals) and at most two writes (the appeals, the merges). Each
    submission still sees the ones before it as if they had been committed one by one: what the
    run decides is added to what was read, so a repeat of an appeal accepted earlier in the run
    is merged into it and a channel message sent twice is a replay the second time.

    Raises ConcurrentSubmission when another transaction stored one of the channel messages
    first; the others may be written by then, so the caller rolls back (a single submission
    wrote nothing) and a retry replays that decision.
    """
    if not received:
        return []
    keys = [_key(submission) for submission, _ in received]
    answered = {key: _replayed(stored) for key, stored in (await repository.decided(uow.conn, keys)).items()}
    examined: dict[tuple[str, str], _Examined] = {}
    classifier = classifier or keyword_classifier()
    for key, (submission, _) in zip(keys, received, strict=True):
        if key not in answered and key not in examined:  # a second copy will be a replay
            examined[key] = _examine(submission, classifier)
    # Only classified appeals can be repeats. One read serves the run, from the window of its
    # earliest submission; the rule checks each submission's own window.
    phones = {e.petitioner.phone for e in examined.values() if e.classified is not None}
    since = min(at for _, at in received) - timedelta(days=RULE.window_days)
    history = PetitionersAppeals(
        await repository.accepted_appeals(uow.conn, phones, since, RULE.candidates) if phones else ())

    outcomes: list[Outcome] = []
    decisions: list[_Decision] = []
    for key, (submission, now) in zip(keys, received, strict=True):
        if key in answered:
            outcomes.append(answered[key])
            continue
        decision = await _decide(submission, examined[key], now, history, pepper, answers_caller,
                                 knowledge if answers_caller else None)
        decision = replace(decision, notice=_receipt(decision, examined[key].petitioner.phone, now))
        answered[key] = replace(decision.outcome, replayed=True, inquiry_code=None)
        decisions.append(decision)
        # Only an entrance that answers the caller (HTTP) hands the code back; every private
        # appeal's petitioner gets it by SMS.
        outcomes.append(decision.outcome if answers_caller else replace(decision.outcome, inquiry_code=None))
    await _store(uow, decisions)
    return outcomes


def _examine(submission: SubmitAppeal, classifier: Classifier) -> _Examined:
    """Petitioner data, scope and classification: rules that need no other appeal."""
    petitioner = _checked_petitioner(submission)
    description = normalise(submission.description)
    refusal = check_scope(description, submission.district)
    if refusal is not None:
        return _Examined(petitioner, description, refusal=refusal)
    district = resolve_district(submission.district)
    assert district is not None  # check_scope refused unknown districts
    try:
        decision = classifier.classify(description, submission.channel, submission.appeal_type,
                                       submission.subtype, submission.category)
    except NeedsReview as held:
        return _Examined(petitioner, description, district=district.value, held=str(held))
    except ValueError as wrong:
        field = "subtype" if "subtype" in str(wrong) else "category"
        raise InvalidSubmission(field, str(wrong)) from wrong
    return _Examined(petitioner, description, district=district.value, classified=decision)


async def _decide(submission: SubmitAppeal, examined: _Examined, now: datetime, history: PetitionersAppeals,
                  pepper: bytes, answers_caller: bool, knowledge: KnowledgeBase | None = None) -> _Decision:
    """The decision on one examined submission, given the appeals accepted before it."""
    petitioner, description = examined.petitioner, examined.description
    appeal_id, tracking_number = uuid4(), new_tracking_number(now.astimezone(SHANGHAI).date())
    common = dict(appeal_id=appeal_id, tracking_number=tracking_number, submission=submission, received_at=now,
                  description=description, petitioner=petitioner)

    if (refusal := examined.refusal) is not None:
        return _Decision(
            Outcome(appeal_id, tracking_number, "rejected", refusal.reason, refusal.refer_to),
            repository.NewAppeal(status="rejected", reason=refusal.reason, refer_to=refusal.refer_to, **common),
            AppealRejected(appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
                           channel_message_id=submission.channel_message_id,
                           reason_code=refusal.reason_code, reason=refusal.reason, refer_to=refusal.refer_to,
                           rejected_at=now))

    if (held := examined.held) is not None:
        code, code_hash = await _inquiry_code(submission, pepper)
        return _Decision(
            Outcome(appeal_id, tracking_number, "pending_review", held, inquiry_code=code),
            repository.NewAppeal(status="pending_review", district=examined.district, reason=held,
                                 inquiry_code_hash=code_hash, business_line=False, **common),
            AppealHeldForReview(appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
                                channel_message_id=submission.channel_message_id, reason=held, held_at=now))

    decision = examined.classified
    assert decision is not None and examined.district is not None
    facts = ProblemFacts(petitioner.phone, examined.district, decision.appeal_type.value, decision.category,
                         submission.private, description, now)
    same = find_same_problem(facts, history.of(petitioner.phone))
    classified = dict(appeal_type=decision.appeal_type.value, category=decision.category,
                      subtype=decision.subtype.value if decision.subtype else None, district=examined.district,
                      business_line=decision.method == "business_line")
    classification = Classification(method=decision.method, matched=decision.matched,
                                    confidence=decision.confidence, model_version=decision.model_version)
    dumped = classification.model_dump()
    told = _told(classified, dumped)
    if same is not None:
        into = same.into
        return _Decision(
            Outcome(appeal_id, tracking_number, "merged", same.reason, into_tracking_number=into.tracking_number,
                    classified=told),
            repository.NewAppeal(status="merged", reason=same.reason, merged_into=into.appeal_id,
                                 classification=dumped, **classified, **common),
            AppealMerged(appeal_id=appeal_id, tracking_number=tracking_number,
                         channel_message_id=submission.channel_message_id,
                         into_appeal_id=into.appeal_id, into_tracking_number=into.tracking_number,
                         reason=same.reason, merged_at=now),
            repository.Merge(appeal_id, into.appeal_id, same.similarity, same.reason, now))

    code, code_hash = await _inquiry_code(submission, pepper)
    offer = _offer(knowledge, decision, description, now)
    if offer is not None:
        # 直接办结: the caller hears (or the petitioner reads) the answer first; AppealAccepted or
        # AppealAnsweredAtIntake follows their word (handlers/answers.py).
        return _Decision(
            Outcome(appeal_id, tracking_number, "answer_offered", inquiry_code=code, answer=offer.entry.answer,
                    classified=told),
            repository.NewAppeal(status="answer_offered", inquiry_code_hash=code_hash,
                                 classification=dumped, **classified, **common),
            None, offer=offer)
    # Accepted appeals are open until routing says otherwise: later repeats in this run merge into it.
    history.add(EarlierAppeal(appeal_id, tracking_number, facts, open=True))
    return _Decision(
        Outcome(appeal_id, tracking_number, "accepted", inquiry_code=code, classified=told),
        repository.NewAppeal(status="accepted", inquiry_code_hash=code_hash,
                             classification=dumped, **classified, **common),
        accepted_event(
            appeal_id=appeal_id, tracking_number=tracking_number, channel=submission.channel,
            channel_message_id=submission.channel_message_id,
            appeal_type=decision.appeal_type, subtype=decision.subtype, category=decision.category,
            district=examined.district, description=description, private=submission.private,
            business_line=classified["business_line"], petitioner=petitioner, address=_address(submission),
            classification=classification, inquiry_code_hash=code_hash, accepted_at=now))


async def _store(uow: UnitOfWork, decisions: list[_Decision]) -> None:
    stored = await repository.insert(uow.conn, [d.appeal for d in decisions])
    if len(stored) < len(decisions):
        # A concurrent request (the HTTP entrance) stored one of these channel messages first;
        # the insert waited for its commit. Nothing more is written: later decisions of this
        # run may rely on the one that lost (a merge into it even fails the insert itself, on
        # the foreign key, with the same effect: the consumer applies the run one by one).
        lost = next(d for d in decisions if d.appeal.appeal_id not in stored)
        raise ConcurrentSubmission(lost.appeal.submission.channel_message_id)
    await repository.record_merges(uow.conn, [d.merge for d in decisions if d.merge is not None])
    for d in decisions:
        if d.offer is not None:
            await knowledge_store.record_offer(uow.conn, d.appeal.appeal_id, d.offer, d.appeal.received_at)
        if d.event is not None:
            uow.emit(d.event)
        if d.notice is not None:
            uow.emit(d.notice)


def _offer(knowledge: KnowledgeBase | None, decision: Decision, description: str, now: datetime) -> Match | None:
    """A knowledge-base answer for a consultation, when one matches closely."""
    if knowledge is None or decision.subtype is not RequestSubtype.CONSULTATION:
        return None
    label = f"{decision.appeal_type.value}/{decision.subtype.value}/{decision.category}"
    return knowledge.match(description, label, now.astimezone(SHANGHAI).date())


def _receipt(decision: _Decision, phone: str, now: datetime) -> NotifyPetitioner | None:
    """The SMS acknowledging a submission that became (or may become) an appeal; a rejection is
    answered at the channel."""
    outcome = decision.outcome
    if outcome.status not in ("accepted", "pending_review", "merged"):
        return None
    return NotifyPetitioner(
        notification_id=uuid4(), kind="receipt", phone=international(phone), appeal_id=outcome.appeal_id,
        tracking_number=outcome.tracking_number, code=outcome.inquiry_code, created_at=now,
        text=receipt_text(outcome.status, outcome.tracking_number, outcome.inquiry_code,
                          outcome.into_tracking_number))


def _key(submission: SubmitAppeal) -> tuple[str, str]:
    """The idempotency key: the channel's own message id."""
    return submission.channel.value, submission.channel_message_id


def _replayed(stored: repository.StoredAppeal) -> Outcome:
    classified = None
    if stored.classification is not None and stored.appeal_type is not None:
        classified = _told({"appeal_type": stored.appeal_type, "subtype": stored.subtype, "category": stored.category},
                           stored.classification)
    return Outcome(stored.appeal_id, stored.tracking_number, stored.status, stored.reason, stored.refer_to,
                   replayed=True, into_tracking_number=stored.into_tracking_number, classified=classified)


def _told(label: dict, classification: dict) -> dict:
    """The classification as the receipt tells it: the label, how it was decided, the terms."""
    return {"appeal_type": label["appeal_type"], "subtype": label.get("subtype"), "category": label["category"],
            "method": classification.get("method"), "terms": list(dict.fromkeys(classification.get("matched") or ())),
            "confidence": classification.get("confidence"), "model_version": classification.get("model_version")}


def _checked_petitioner(submission: SubmitAppeal) -> CheckedPetitioner:
    p = submission.petitioner
    try:
        return check_petitioner(p.name, p.phone, p.id_number, p.enterprise_name, p.credit_code)
    except InvalidField as bad:
        raise InvalidSubmission(bad.field, bad.reason) from bad


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
