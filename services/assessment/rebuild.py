"""Rebuild every verdict row and running total from the stored facts, in one transaction.

Used by the replay (after the facts are rebuilt from the log), and once after migration 003
for facts stored before verdicts existed. The same pure rules as the live consumer
(report.verdicts -> verdicts.rows_of), so rebuilt totals equal those kept event by event.
"""

import logging
from uuid import UUID

import asyncpg

from services.assessment.adapters import verdicts as verdicts_sql
from services.assessment.domain.facts import Fact
from services.assessment.domain.report import verdict_rows, verdicts
from services.assessment.domain.verdicts import COLUMNS, VerdictRow, values
from shared.loops import run_forever
from shared.runtime import ServiceContext

log = logging.getLogger(__name__)
CHUNK = 20_000
_FACTS_IN_ORDER = ("SELECT appeal_id, kind, unit_code, occurred_at, event_id, event_type, attempt, level, flag, label, "
                   "other_unit, co_units, tracking_number FROM appeal_facts ORDER BY appeal_id")
_REQUESTED = "SELECT count(*) FROM verdict_rebuilds"
_DONE = "DELETE FROM verdict_rebuilds"


async def rebuild(conn: asyncpg.Connection) -> int:
    """Replace all verdict rows and totals; return the number of appeals judged. Run in a transaction."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('assessment-rebuild'))")
    await conn.execute("TRUNCATE appeal_verdicts, unit_month_totals, pending_moments")
    appeals, pending = 0, []
    current: UUID | None = None
    chunk: list[Fact] = []

    async def flush(rows: list[VerdictRow]) -> None:
        if rows:
            await conn.copy_records_to_table("appeal_verdicts", records=[values(r) for r in rows], columns=list(COLUMNS))
            await verdicts_sql.add_to_totals(conn, [], rows)
            rows.clear()

    async for record in conn.cursor(_FACTS_IN_ORDER, prefetch=CHUNK):
        fact = Fact(*record)
        if fact.appeal_id != current and chunk:
            pending.extend(verdict_rows(verdicts(chunk)))
            appeals += 1
            chunk = []
            if len(pending) >= CHUNK:
                await flush(pending)
        current = fact.appeal_id
        chunk.append(fact)
    if chunk:
        pending.extend(verdict_rows(verdicts(chunk)))
        appeals += 1
    await flush(pending)
    await conn.execute(_DONE)
    return appeals


REBUILD_CHECK_SECONDS = 60.0


async def rebuild_if_requested(ctx: ServiceContext) -> None:
    """Background task: when a row in `verdict_rebuilds` asks for it (migration 003 for facts
    stored before verdicts; an operator after the rules changed), judge every appeal again.
    The service answers from the older totals meanwhile; the rebuild replaces them at commit."""

    async def check() -> None:
        async with ctx.pool.acquire() as conn:
            if await conn.fetchval(_REQUESTED):
                async with conn.transaction():
                    judged = await rebuild(conn)
                log.info("rebuilt the verdicts of %d appeals from stored facts", judged)

    await run_forever("assessment", "verdict rebuild", check, every=REBUILD_CHECK_SECONDS)
