"""Answers at intake (直接办结): the caller's or petitioner's word on a knowledge-base answer.

A consultation offered an answer waits (`answer_offered`, nothing emitted). Solved: the appeal
is `answered` and AppealAnsweredAtIntake is emitted - no transfer letter, no deadline (routing
and sla do not handle the type), the public record shows the answer. Not solved, or no word
within `HOTLINE_ANSWER_WAIT_SECONDS`: it is accepted as any other appeal (AppealAccepted, then
dispatched). On the phone the operator confirms; on web and app the petitioner answers, with
the one-time answer token the receipt gave the submitter alone as proof: the appeal id and the
tracking number are no proof (tracking numbers are public once an appeal is published).
"""

import json
from datetime import datetime
from uuid import UUID

from services.intake.adapters import knowledge_store, review_queue
from services.intake.handlers.accepted import accepted_event
from services.intake.handlers.review import petitioner_of
from shared.contracts.events import AppealAnsweredAtIntake, Classification, Contact
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype
from shared.one_time import keyed_hash, same_hash
from shared.refusals import conflict, not_found
from shared.unit_of_work import UnitOfWork

PHONE_CHANNELS = (Channel.PHONE, Channel.PHONE_BUSINESS_LINE)
ANSWER_PURPOSE = "answer-feedback"  # keyed hashes of answer tokens (shared/one_time.py)


async def conclude(uow: UnitOfWork, appeal_id: UUID, *, solved: bool, by: str, now: datetime,
                   answer_token: str | None = None, pepper: bytes | None = None, by_operator: bool = False,
                   any_channel: bool = False) -> str:
    """Record the word on an offered answer; returns the new status (answered | accepted).

    Refused: not_found for an unknown appeal or (without the operator's token) a wrong answer
    token; conflict when no answer is waiting or the word is not this side's to give."""
    row = await review_queue.lock(uow.conn, appeal_id)
    if row is None:
        raise not_found("no such appeal")
    offer = await knowledge_store.offer_of(uow.conn, appeal_id)
    # Without the operator's token the answer token is the proof: a wrong one is "no such appeal".
    if not by_operator and not _holds(offer["answer_token_hash"] if offer else None, answer_token, pepper):
        raise not_found("no such appeal")
    channel = Channel(row["channel"])
    if not any_channel and by_operator != (channel in PHONE_CHANNELS):
        raise conflict("on the phone the operator confirms; on web and app the petitioner answers"
                       if by_operator is False else "web and app petitioners answer for themselves")
    if row["status"] != "answer_offered":
        raise conflict(f"the appeal is {row['status']}; no answer is waiting for a word")
    assert offer is not None  # stored with the status, in one transaction
    stored = row["classification"]
    classification = Classification(**(json.loads(stored) if isinstance(stored, str) else stored))
    petitioner = petitioner_of(row)
    appeal_type, subtype = AppealType(row["appeal_type"]), RequestSubtype(row["subtype"]) if row["subtype"] else None
    if solved:
        await review_queue.decide(uow.conn, appeal_id, "answered", by=by, at=now)
        await knowledge_store.conclude(uow.conn, appeal_id, "answered", by=by, at=now)
        uow.emit(AppealAnsweredAtIntake(
            appeal_id=appeal_id, tracking_number=row["tracking_number"], channel_message_id=row["channel_message_id"],
            channel=channel, appeal_type=appeal_type, subtype=subtype, category=row["category"],
            district=row["district"], description=row["description"], private=row["private"],
            classification=classification, answer=offer["answer"], knowledge_entry_id=offer["entry_id"],
            knowledge_entry_version=offer["entry_version"], confirmed_by=by, received_at=row["received_at"],
            answered_at=now, contact=Contact(name=petitioner.name, phone=petitioner.phone, address=row["address"],
                                             enterprise_name=petitioner.enterprise_name),
            inquiry_code_hash=row["inquiry_code_hash"]))
        return "answered"
    await review_queue.decide(uow.conn, appeal_id, "accepted", by=by, at=now)
    await knowledge_store.conclude(uow.conn, appeal_id, "dispatched", by=by, at=now)
    uow.emit(accepted_event(
        appeal_id=appeal_id, tracking_number=row["tracking_number"], channel=channel,
        channel_message_id=row["channel_message_id"], appeal_type=appeal_type, subtype=subtype,
        category=row["category"], district=row["district"], description=row["description"], private=row["private"],
        business_line=row["business_line"], petitioner=petitioner, address=row["address"],
        classification=classification, inquiry_code_hash=row["inquiry_code_hash"], accepted_at=now))
    return "accepted"


def _holds(stored: str | None, token: str | None, pepper: bytes | None) -> bool:
    """Whether `token` is the offer's one-time answer token (none stored: nothing holds)."""
    if not stored or not token or pepper is None:
        return False
    return same_hash(stored, keyed_hash(pepper, ANSWER_PURPOSE, token))
