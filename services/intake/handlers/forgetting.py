"""Forgetting a petitioner: at the end of the retention period, or at once on an admin's word.

Forgetting deletes the appeal's data key (every sealed contact on the log becomes noise) and
intake's clear copy of the petitioner, records who forgot and why, and emits
AppealContactForgotten so routing and publication drop what they kept. The appeal, its text
and its history stay: the public record and the units' assessment do not depend on who filed it.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from services.intake.adapters import contact_store
from services.intake.domain.retention import cutoff
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealContactForgotten, AppealDispatched, AppealRedispatched, AppealReturned
from shared.loops import run_forever
from shared.runtime import ServiceContext
from shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 200  # appeals forgotten per transaction by the retention loop
# Only these appeals' contacts left intake (sealed, or in clear before sealing): a rejected or
# merged appeal's petitioner is known to intake alone, so nobody else has anything to drop.
SENT_SEALED = frozenset({"accepted", "answered"})


class UnknownAppeal(Exception):
    pass


class NotYetDecided(Exception):
    """Held for review or an answer offered: intake needs the petitioner to decide it first."""


@dataclass(frozen=True)
class Forgotten:
    appeal_id: UUID
    forgotten_at: datetime
    already: bool  # it had been forgotten before this request


async def forget(uow: UnitOfWork, appeal_id: UUID, *, reason: Literal["retention", "request"], by: str, note: str | None,
                 now: datetime) -> Forgotten:
    row = await contact_store.lock(uow.conn, appeal_id)
    if row is None:
        raise UnknownAppeal(str(appeal_id))
    if row["contact_forgotten_at"] is not None:
        return Forgotten(appeal_id, row["contact_forgotten_at"], already=True)
    if contact_store.undecided(row["status"]):
        raise NotYetDecided(row["status"])
    await contact_store.forget(uow.conn, appeal_id, reason=reason, by=by, note=note, at=now)
    if row["status"] in SENT_SEALED:
        uow.emit(AppealContactForgotten(appeal_id=appeal_id, reason=reason, forgotten_at=now))
    return Forgotten(appeal_id, now, already=False)


async def forget_due(units_of_work: UnitOfWorkFactory, now: datetime, days: int) -> int:
    """Forget the appeals whose retention period has run out; how many were forgotten."""
    due = await contact_store.due(units_of_work.pool, cutoff(now, days), BATCH)
    if not due:
        return 0
    async with units_of_work() as uow:
        for appeal_id in due:
            await forget(uow, appeal_id, reason="retention", by="retention", note=f"{days} days after finished",
                         now=now)
    log.info("forgot the petitioners of %d appeals (retention %d days)", len(due), days)
    return len(due)


async def forget_when_due(ctx: ServiceContext) -> None:
    """Background loop: the retention rule, checked every (virtual) hour."""
    days = ctx.settings.contact_retention_days

    async def step() -> float | None:
        forgotten = await forget_due(ctx.units_of_work, ctx.clock.now(), days)
        return 0 if forgotten == BATCH else None  # a full batch: more are waiting

    every = min(ctx.settings.contact_retention_check_seconds, max(60.0, ctx.clock.seconds_for(timedelta(hours=1))))
    await run_forever("intake", "contact retention", step, every=every)


# --- the lead unit, learnt from routing: the one unit that may read the contact ----------


async def lead_units(uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
    """A run of routing's letters in one transaction: who holds each appeal's letter now."""
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, AppealDispatched):
            await contact_store.set_lead_unit(uow.conn, e.appeal_id, e.unit_code, e.dispatched_at)
        elif isinstance(e, AppealRedispatched):
            await contact_store.set_lead_unit(uow.conn, e.appeal_id, e.unit_code, e.redispatched_at)
        elif isinstance(e, AppealReturned):
            await contact_store.drop_lead_unit(uow.conn, e.appeal_id, e.unit_code, e.returned_at)
