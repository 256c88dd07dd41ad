"""Accept submissions, whichever entrance they came through (Kafka in runs, HTTP one at a time).

The decision is domain/acceptance.py's; this module reads what it needs (the channel messages
decided before, the petitioners' earlier appeals), and stores and emits what it decided
(handlers/recording.py) in the caller's unit of work.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from services.intake.adapters import knowledge_store, repository
from services.intake.domain.acceptance import Accept, Examined, decide, examine
from services.intake.domain.classification import Classifier, keyword_classifier
from services.intake.domain.duplicates import RULE, PetitionersAppeals
from services.intake.domain.knowledge import KnowledgeBase
from services.intake.handlers.recording import Outcome, Recorded, new_identity, record, told
from shared.contracts.events import SubmitAppeal
from shared.unit_of_work import UnitOfWork

__all__ = ["ConcurrentSubmission", "Outcome", "accept_submission", "accept_submissions"]


class ConcurrentSubmission(Exception):
    """Another transaction stored the same channel message first; retrying replays it."""


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
    examined: dict[tuple[str, str], Examined] = {}
    classifier = classifier or keyword_classifier()
    for key, (submission, _) in zip(keys, received, strict=True):
        if key not in answered and key not in examined:  # a second copy will be a replay
            examined[key] = examine(submission, classifier)
    # Only classified appeals can be repeats. One read serves the run, from the window of its
    # earliest submission; the rule checks each submission's own window.
    phones = {e.petitioner.phone for e in examined.values() if e.classified is not None}
    since = min(at for _, at in received) - timedelta(days=RULE.window_days)
    history = PetitionersAppeals(
        await repository.accepted_appeals(uow.conn, phones, since, RULE.candidates) if phones else ())

    outcomes: list[Outcome] = []
    decisions: list[Recorded] = []
    for key, (submission, now) in zip(keys, received, strict=True):
        if key in answered:
            outcomes.append(answered[key])
            continue
        seen = examined[key]
        acceptance = decide(seen, now, history.of(seen.petitioner.phone), knowledge if answers_caller else None)
        appeal_id, tracking_number = new_identity(now)
        if isinstance(acceptance, Accept):  # a repeat later in this run merges into it
            history.add(acceptance.as_earlier(appeal_id, tracking_number))
        decision = await record(submission, seen, acceptance, appeal_id=appeal_id, tracking_number=tracking_number,
                                now=now, pepper=pepper)
        answered[key] = replace(decision.outcome, replayed=True, inquiry_code=None, answer_token=None)
        decisions.append(decision)
        # Only an entrance that answers the caller (HTTP) hands the code back; every private
        # appeal's petitioner gets it by SMS. (An answer, and its token, is offered only over HTTP.)
        outcomes.append(decision.outcome if answers_caller else replace(decision.outcome, inquiry_code=None))
    await _store(uow, decisions)
    return outcomes


async def _store(uow: UnitOfWork, decisions: list[Recorded]) -> None:
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
            await knowledge_store.record_offer(uow.conn, d.appeal.appeal_id, d.offer, d.appeal.received_at,
                                               d.answer_token_hash)
        if d.event is not None:
            uow.emit(d.event)
        if d.notice is not None:
            uow.emit(d.notice)


def _key(submission: SubmitAppeal) -> tuple[str, str]:
    """The idempotency key: the channel's own message id."""
    return submission.channel.value, submission.channel_message_id


def _replayed(stored: repository.StoredAppeal) -> Outcome:
    classified = None
    if stored.classification is not None and stored.appeal_type is not None:
        classified = told({"appeal_type": stored.appeal_type, "subtype": stored.subtype, "category": stored.category},
                          stored.classification)
    return Outcome(stored.appeal_id, stored.tracking_number, stored.status, stored.reason, stored.refer_to,
                   replayed=True, into_tracking_number=stored.into_tracking_number, classified=classified)
