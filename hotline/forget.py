"""`hotline forget`: forget a petitioner now, or run intake's retention rule once.

Writes in intake's schema as intake itself would (the same handler, in one transaction with
its outbox): the running intake's relay sends AppealContactForgotten on, or sends it when it
starts. For an operator with database access; the HTTP form is POST
/v1/appeals/{appeal_id}/forget at intake with an admin token.
"""

from dataclasses import dataclass
from uuid import UUID

from services.intake.handlers.forgetting import Forgotten, forget, forget_due
from shared.db import create_pool
from shared.settings import Settings
from shared.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class DueRun:
    forgotten: int
    retention_days: int


async def forget_appeal(settings: Settings, appeal_id: UUID, note: str | None, by: str) -> Forgotten:
    pool = await create_pool(settings.database_url, "intake", min_size=1, max_size=1)
    try:
        async with UnitOfWorkFactory(pool, "intake")() as uow:
            return await forget(uow, appeal_id, reason="request", by=by, note=note, now=settings.clock().now())
    finally:
        await pool.close()


async def forget_due_now(settings: Settings) -> DueRun:
    """The retention loop's step, repeated until nothing more is due."""
    pool = await create_pool(settings.database_url, "intake", min_size=1, max_size=1)
    total = 0
    try:
        while forgotten := await forget_due(UnitOfWorkFactory(pool, "intake"), settings.clock().now(),
                                            settings.contact_retention_days):
            total += forgotten
    finally:
        await pool.close()
    return DueRun(total, settings.contact_retention_days)
