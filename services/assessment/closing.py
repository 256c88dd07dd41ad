"""Use cases that publish: close a month, and correct a closed month after late facts."""

import logging
from datetime import datetime
from uuid import UUID

from services.assessment import reports
from services.assessment.adapters import closings
from services.assessment.adapters import weights as weights_sql
from services.assessment.domain.periods import has_ended, next_period
from shared.contracts.events import UnitScore, UnitScoresPublished
from shared.loops import run_forever
from shared.refusals import conflict, too_early
from shared.runtime import ServiceContext

log = logging.getLogger(__name__)
RECHECK_SECONDS = 2.0


def _publication(period: str, version: str, scores: list[dict], at: datetime,
                 correction_of: UUID | None = None) -> UnitScoresPublished:
    return UnitScoresPublished(period=period, weights_version=version, correction_of=correction_of,
                               scores=tuple(UnitScore(**s) for s in scores), published_at=at)


async def close_period(ctx: ServiceContext, period: str, closed_by: str) -> dict:
    """Publish the month's scores with the current weights; a month closes once.

    Refused: too_early before the month has ended in Asia/Shanghai; conflict once it is closed."""
    now = ctx.clock.now()
    if not has_ended(period, now):
        raise too_early(f"period {period} has not ended yet in Asia/Shanghai; it can be closed from the 1st of the next month")
    async with ctx.units_of_work() as uow:
        await uow.conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"assessment-close:{period}")
        closed = await closings.closing(uow.conn, period)
        if closed:
            raise conflict(f"period {period} was closed at {closed['closed_at'].isoformat()} "
                                   f"(publication {closed['publication_id']}); late facts publish corrections")
        weights = await weights_sql.current(uow.conn)
        report = await reports.month_report(uow.conn, period, now, weights)
        scores = report.published()
        envelope = uow.emit(_publication(period, weights.version, scores, now), time=now)
        await closings.close(uow.conn, period, weights.version, closed_by, now, envelope.id, scores)
    log.info("closed period %s with weights %s: %d units published", period, weights.version, len(scores))
    return {"period": period, "publication_id": str(envelope.id), "weights_version": weights.version,
            "closed_at": now.isoformat(), "scores": scores}


async def recheck(ctx: ServiceContext, period: str) -> UUID | None:
    """Recompute a closed month; publish a correction if its scores changed. Returns its id."""
    async with ctx.units_of_work() as uow:
        if not await closings.claim_recheck(uow.conn, period):
            return None  # another replica took it
        closed = await closings.closing(uow.conn, period, for_update=True)
        if closed is None:
            return None
        now = ctx.clock.now()
        report = await reports.month_report(uow.conn, period, now)
        scores = report.published()
        if scores == closed["scores"]:
            return None
        envelope = uow.emit(_publication(period, closed["weights_version"], scores, now,
                                         correction_of=closed["publication_id"]), time=now)
        await closings.correct(uow.conn, period, closed["weights_version"], envelope.id,
                               closed["publication_id"], scores, now)
        # The next month's rank changes are measured against this one.
        if await closings.closing(uow.conn, next_period(period)):
            await closings.mark_recheck(uow.conn, next_period(period))
    log.info("published a correction of %s for period %s", closed["publication_id"], period)
    return envelope.id


async def recheck_pending(ctx: ServiceContext) -> list[UUID]:
    corrections = []
    for period in await closings.pending_rechecks(ctx.pool):
        published = await recheck(ctx, period)
        if published:
            corrections.append(published)
    return corrections


async def recheck_loop(ctx: ServiceContext) -> None:
    """Background loop: late facts for closed months become corrections, never silent changes."""

    async def recheck_all() -> None:
        await recheck_pending(ctx)

    await run_forever("assessment", "closed-month recheck", recheck_all, every=RECHECK_SECONDS)
