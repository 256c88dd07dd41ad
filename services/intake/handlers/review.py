"""Operators' decisions: correct a classification, accept or refuse a held appeal.

Every decision names who and why, is logged in appeal_decisions and emitted as an event:
a correction of an accepted appeal as AppealReclassified, an acceptance as AppealAccepted
with decided_by, a refusal as AppealRejected (reason_code "operator"). A correction of a
held appeal is not emitted on its own: no other service knows the appeal yet, and the
AppealAccepted that ends the review carries the corrected classification.
"""

import json
from dataclasses import asdict
from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.adapters import classifier_store, review_queue
from services.intake.domain.review import Classified, apply_correction, require_complete
from services.intake.domain.validators import CheckedPetitioner
from services.intake.handlers.accepted import accepted_event
from shared.contracts.events import AppealReclassified, AppealRejected, Classification
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype
from shared.refusals import conflict, not_found
from shared.unit_of_work import UnitOfWork


async def correct(uow: UnitOfWork, appeal_id: UUID, *, by: str, reason: str, now: datetime,
                  **changes) -> Classified:
    """Change type, subtype, category or district of a held or accepted appeal."""
    row = await _locked(uow, appeal_id, "pending_review", "accepted")
    before = _classified(row)
    after = apply_correction(before, **{k: v for k, v in changes.items() if v is not None})
    if row["status"] == "accepted":
        require_complete(after)  # downstream routes on it: no half classification
    await review_queue.set_classification(uow.conn, appeal_id, _value(after.appeal_type),
                                          _value(after.subtype), after.category, after.district)
    await review_queue.log_decision(uow.conn, appeal_id, "corrected", by=by, reason=reason,
                                    changes=_diff(before, after), at=now)
    await _learn(uow, appeal_id, after, by=by, at=now)
    if row["status"] == "accepted":
        uow.emit(AppealReclassified(
            appeal_id=appeal_id, appeal_type=after.appeal_type, subtype=after.subtype,
            category=after.category, district=after.district, by=by, reason=reason, reclassified_at=now))
    return after


async def accept(uow: UnitOfWork, appeal_id: UUID, *, by: str, reason: str, now: datetime,
                 **changes) -> Classified:
    """Accept a held appeal, with the operator's classification (and any last corrections)."""
    row = await _locked(uow, appeal_id, "pending_review")
    before = _classified(row)
    given = {k: v for k, v in changes.items() if v is not None}
    after = apply_correction(before, **given) if given else before
    require_complete(after)
    assert after.appeal_type is not None and after.category is not None and after.district is not None
    classification = Classification(method="operator", matched=(), confidence=1.0)
    await review_queue.set_classification(uow.conn, appeal_id, _value(after.appeal_type),
                                          _value(after.subtype), after.category, after.district)
    await review_queue.decide(uow.conn, appeal_id, "accepted", by=by, at=now,
                              classification=classification.model_dump())
    await review_queue.log_decision(uow.conn, appeal_id, "accepted", by=by, reason=reason,
                                    changes=_diff(before, after), at=now)
    await _learn(uow, appeal_id, after, by=by, at=now)
    uow.emit(accepted_event(
        appeal_id=appeal_id, tracking_number=row["tracking_number"], channel=Channel(row["channel"]),
        channel_message_id=row["channel_message_id"], appeal_type=after.appeal_type, subtype=after.subtype, category=after.category,
        district=after.district, description=row["description"], private=row["private"],
        business_line=row["business_line"], petitioner=petitioner_of(row), address=row["address"],
        classification=classification, inquiry_code_hash=row["inquiry_code_hash"],
        accepted_at=now, decided_by=by))
    return after


async def refuse(uow: UnitOfWork, appeal_id: UUID, *, by: str, reason: str, now: datetime) -> None:
    """Refuse a held appeal (e.g. not a matter for the hotline); the reason goes to the petitioner."""
    row = await _locked(uow, appeal_id, "pending_review")
    await review_queue.decide(uow.conn, appeal_id, "rejected", by=by, at=now, reason=reason)
    await review_queue.log_decision(uow.conn, appeal_id, "refused", by=by, reason=reason, changes={}, at=now)
    uow.emit(AppealRejected(appeal_id=appeal_id, tracking_number=row["tracking_number"],
                            channel=Channel(row["channel"]), channel_message_id=row["channel_message_id"],
                            reason_code="operator", reason=reason,
                            rejected_at=now))


async def _locked(uow: UnitOfWork, appeal_id: UUID, *allowed: str) -> asyncpg.Record:
    row = await review_queue.lock(uow.conn, appeal_id)
    if row is None:
        raise not_found("no such appeal")
    if row["status"] not in allowed:  # e.g. already accepted
        raise conflict(f"the appeal is {row['status']}; this needs {' or '.join(allowed)}")
    return row


async def _learn(uow: UnitOfWork, appeal_id: UUID, classified: Classified, *, by: str, at: datetime) -> None:
    """An operator's complete classification is a training example for the next model (classifier.py)."""
    if classified.appeal_type is None or classified.category is None:
        return
    if (classified.appeal_type is AppealType.PUBLIC_SERVICE_REQUEST) != (classified.subtype is not None):
        return  # a held appeal's half-made correction: the acceptance will complete it
    label = f"{classified.appeal_type.value}/{_value(classified.subtype) or '-'}/{classified.category}"
    await classifier_store.add_example(uow.conn, appeal_id, label, by=by, at=at)


def _classified(row: asyncpg.Record) -> Classified:
    return Classified(
        appeal_type=AppealType(row["appeal_type"]) if row["appeal_type"] else None,
        subtype=RequestSubtype(row["subtype"]) if row["subtype"] else None,
        category=row["category"], district=row["district"],
    )


def petitioner_of(row: asyncpg.Record) -> CheckedPetitioner:
    stored = row["petitioner"]
    return CheckedPetitioner(**(json.loads(stored) if isinstance(stored, str) else stored))


def _value(member) -> str | None:
    return member.value if member is not None else None


def _diff(before: Classified, after: Classified) -> dict:
    """{field: {"from": old, "to": new}} for what changed; enum members as their codes."""
    old, new = asdict(before), asdict(after)
    plain = lambda v: getattr(v, "value", v)  # noqa: E731
    return {k: {"from": plain(old[k]), "to": plain(new[k])} for k in new if old[k] != new[k]}
