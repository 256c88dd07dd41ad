"""Rebuild every verdict row and running total from the stored facts, in one transaction.

Used by the replay (from the facts it has just read off the log, or from the stored facts for
a log too big to hold), and once after migration 003 for facts stored before verdicts existed.
The same pure rules as the live consumer (appeals.judge -> verdicts.rows_of, totals by
verdicts.delta), so rebuilt totals equal those kept event by event.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, Awaitable
from typing import Any, cast
from uuid import UUID

import asyncpg

from services.assessment.adapters import verdicts as verdicts_sql
from services.assessment.domain.appeals import judge
from services.assessment.domain.facts import Fact
from services.assessment.domain.verdicts import COLUMNS, VerdictRow, rows_of, values
from shared.loops import run_forever
from shared.runtime import ServiceContext

log = logging.getLogger(__name__)
CHUNK = 20_000
# Rows per write when pipelined: small enough that the last write, which nothing overlaps, is short.
PIPELINED_CHUNK = 5_000
_FACTS_IN_ORDER = ("SELECT appeal_id, kind, unit_code, occurred_at, event_id, event_type, attempt, level, flag, label, "
                   "other_unit, co_units, tracking_number FROM appeal_facts ORDER BY appeal_id")
_REQUESTED = "SELECT count(*) FROM verdict_rebuilds"
_DONE = "DELETE FROM verdict_rebuilds"
_COLUMN_LIST = list(COLUMNS)


async def rebuild(conn: asyncpg.Connection) -> int:
    """Replace all verdict rows and totals; return the number of appeals judged. Run in a transaction."""
    return await store_verdicts(conn, _stored_appeals(conn), pipelined=False)


async def store_verdicts(conn: asyncpg.Connection, appeals: AsyncIterable[tuple[UUID, list[Fact]]],
                         pipelined: bool = True, stats: dict[str, Any] | None = None,
                         running: asyncio.Future[Any] | None = None) -> int:
    """Judge each (appeal, all its facts) and replace every verdict row and total by theirs.

    Each appeal's facts must be complete and unique by identity (as in the fact table). With
    `pipelined`, a chunk's rows are written while the next chunk is judged: PostgreSQL works
    on the other core meanwhile (and on `running`, a statement still running on `conn`, while
    the first chunks are judged); while a write is still running, judging goes on and the
    next write takes all the rows judged meanwhile. Without it (`appeals` reads the same connection), in turn.
    `stats` gets the seconds spent waiting for PostgreSQL.
    """
    judged, waited = 0, 0.0
    rows: list[VerdictRow] = []
    writing = running
    if not pipelined:
        waited += await _finish(_write(conn, [], first=True))
    first = pipelined
    try:
        async for appeal_id, facts in appeals:
            rows.extend(rows_of(judge(appeal_id, facts)))
            judged += 1
            if len(rows) >= (PIPELINED_CHUNK if pipelined else CHUNK):
                if pipelined and writing is not None and not writing.done():
                    continue  # PostgreSQL is still on the last write: judge on, write more at once
                if writing is not None:
                    waited += await _finish(writing)
                writing = asyncio.ensure_future(_write(conn, rows, first))
                rows, first = [], False
                if not pipelined:
                    waited += await _finish(writing)
                    writing = None
    except BaseException:
        await let_finish(writing)
        raise
    if writing is not None:
        waited += await _finish(writing)
    waited += await _finish(_write(conn, rows, first))
    await conn.execute(_DONE)
    if stats is not None:
        stats["seconds_waiting_for_verdict_copy"] = waited
    return judged


async def let_finish(writing: Awaitable[Any] | None) -> None:
    """After a failure: wait for the statement in flight, so the rollback finds the connection free
    (and the failure reported is the first one, not "another operation is in progress")."""
    if writing is not None:
        with contextlib.suppress(Exception):
            await writing


async def _finish(writing: Awaitable[Any]) -> float:
    started = time.perf_counter()
    await writing
    return time.perf_counter() - started


async def _write(conn: asyncpg.Connection, rows: list[VerdictRow], first: bool = False) -> None:
    if first:  # the old rows and totals go in the same transaction as the new ones come
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('assessment-rebuild'))")
        await conn.execute("TRUNCATE appeal_verdicts, unit_month_totals, pending_moments")
    if rows:
        await conn.copy_records_to_table("appeal_verdicts", records=[values(r) for r in rows], columns=_COLUMN_LIST)
        await verdicts_sql.add_to_totals(conn, [], rows)


async def _stored_appeals(conn: asyncpg.Connection) -> AsyncIterable[tuple[UUID, list[Fact]]]:
    """Every appeal with its stored facts, read in appeal order by a cursor."""
    current: UUID | None = None
    facts: list[Fact] = []
    async for record in conn.cursor(_FACTS_IN_ORDER, prefetch=CHUNK):
        fact = Fact(*record)
        if fact.appeal_id != current:
            if current is not None:
                yield current, facts
            current, facts = fact.appeal_id, []
        facts.append(fact)
    if current is not None:
        yield current, facts


REBUILD_CHECK_SECONDS = 60.0


async def rebuild_if_requested(ctx: ServiceContext) -> None:
    """Background task: when a row in `verdict_rebuilds` asks for it (migration 003 for facts
    stored before verdicts; an operator after the rules changed), judge every appeal again.
    The service answers from the older totals meanwhile; the rebuild replaces them at commit."""

    async def check() -> None:
        async with ctx.pool.acquire() as conn:
            if await conn.fetchval(_REQUESTED):
                async with conn.transaction():
                    judged = await rebuild(cast(asyncpg.Connection, conn))
                log.info("rebuilt the verdicts of %d appeals from stored facts", judged)

    await run_forever("assessment", "verdict rebuild", check, every=REBUILD_CHECK_SECONDS)
