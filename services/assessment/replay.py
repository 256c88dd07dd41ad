"""Rebuild assessment's facts from the Kafka log, from scratch: `hotline replay assessment`.

Reads every consumed topic from the beginning up to the offsets it ends at when the replay
starts, turns each event into its fact exactly as the live consumer does (domain/facts.py),
and replaces the fact table, and the verdicts and totals judged from it (rebuild.py), in
one transaction, so readers see the old scores or the new ones, never half. Closed months are
then marked for a recheck: if the rebuilt facts give other scores than were published, the
recheck publishes a correction instead of a silent change.

How it is fast (README "Performance"): the facts are written with COPY while the next fetch is
decoded (PostgreSQL works on the other core), into a new table that takes the old one's place
at the end, indexed once loaded (adapters/fact_table.py), with the received letters noted as the facts come; and a
log of up to IN_MEMORY_EVENTS events is judged from the facts just read, grouped by appeal in
memory, instead of reading them back. A bigger log is loaded into the new table as read,
repeats of an identity dropped before it is indexed, and judged from the stored facts, in
memory bounded by one chunk. Both keep the first fact of an identity in log order, as the
table's primary key does for the consumer.
"""

import asyncio
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from asyncpg import Connection

from services.assessment.adapters import fact_table
from services.assessment.domain.facts import RECEIPTS, Fact
from services.assessment.entrypoint import CONSUMED_TOPICS
from services.assessment.rebuild import let_finish, rebuild, store_verdicts
from services.assessment.replay_log import YIELD_EVERY, Log
from shared.db import create_pool
from shared.settings import Settings

log = logging.getLogger(__name__)
# About 740 bytes of memory per event held (the facts, their identities, the verdict rows):
# a replay of 2,000,000 events peaked at 1.48 GB resident. A bigger log is judged from the
# stored facts instead.
IN_MEMORY_EVENTS = 2_000_000
_CLEAR_RECEIVED = "DELETE FROM received_appeals"
# Each unit's first receipt of an appeal in log order (`seq`), as the consumer notes them.
_REBUILD_RECEIVED = """
INSERT INTO received_appeals (appeal_id, unit_code, period, dispatched_at)
SELECT appeal_id, unit_code, period, occurred_at FROM appeal_facts WHERE period IS NOT NULL ORDER BY seq
ON CONFLICT (appeal_id, unit_code) DO NOTHING
"""
# A redelivery (a new event id, the same identity) read after the fact: the first stays, as the
# primary key, not there yet, would have kept it.
_DROP_REPEATS = f"""
DELETE FROM {fact_table.REPLACEMENT} f USING (
    SELECT ctid, row_number() OVER (PARTITION BY appeal_id, kind, unit_code, occurred_at ORDER BY seq) AS n
    FROM {fact_table.REPLACEMENT}
) r
WHERE f.ctid = r.ctid AND r.n > 1
"""
_RECHECK_CLOSED = "INSERT INTO period_rechecks (period) SELECT period FROM period_closings ON CONFLICT DO NOTHING"
_FACT_COLUMNS = ["appeal_id", "kind", "unit_code", "occurred_at", "period", "attempt", "level", "flag", "label",
                 "other_unit", "co_units", "tracking_number", "event_id", "event_type"]
_PLAIN_COLUMNS = [c for c in _FACT_COLUMNS if c != "co_units"]
_RECEIVED_COLUMNS = ["appeal_id", "unit_code", "period", "dispatched_at"]


class _Appeals:
    """The facts read so far, by appeal and identity; the first of an identity is kept, as the
    table's primary key keeps the first row inserted."""

    def __init__(self) -> None:
        self.by_appeal: dict[uuid.UUID, dict[tuple[str, str, datetime], Fact]] = {}
        self.facts = 0
        self.receivers: set[tuple[uuid.UUID, str]] = set()

    def new(self, facts: Iterable[Fact]) -> list[Fact]:
        """Take in `facts`; return those whose identity was not known yet."""
        found, by_appeal = [], self.by_appeal
        for fact in facts:
            known = by_appeal.get(fact.appeal_id)
            if known is None:
                known = by_appeal[fact.appeal_id] = {}
            key = (fact.kind, fact.unit_code, fact.occurred_at)
            if key not in known:
                known[key] = fact
                found.append(fact)
        self.facts += len(found)
        return found

    def first_receipts(self, new: Iterable[Fact]) -> list[tuple[uuid.UUID, str, str | None, datetime]]:
        """The received letters among `new` facts: each unit's first receipt of an appeal in log
        order, as the consumer notes them (the first stored) and the table's key keeps them."""
        found = []
        for fact in new:
            if fact.kind in RECEIPTS and (fact.appeal_id, fact.unit_code) not in self.receivers:
                self.receivers.add((fact.appeal_id, fact.unit_code))
                found.append((fact.appeal_id, fact.unit_code, fact.period, fact.occurred_at))
        return found

    async def each(self) -> AsyncIterator[tuple[uuid.UUID, list[Fact]]]:
        for n, (appeal_id, facts) in enumerate(self.by_appeal.items()):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the verdict rows in flight be written
            yield appeal_id, list(facts.values())


def _row(f: Fact) -> tuple:
    """A fact in _FACT_COLUMNS order."""
    return (f.appeal_id, f.kind, f.unit_code, f.occurred_at, f.period, f.attempt, f.level, f.flag, f.label,
            f.other_unit, list(f.co_units), f.tracking_number, f.event_id, f.event_type)


async def _copy(conn: Connection, facts: list[Fact], received: list[tuple]) -> None:
    """COPY the facts into the new fact table, and the received letters. Facts without
    co-handlers (nearly all) leave `co_units` to its default '{}': encoding an empty array costs
    asyncpg more than all the other columns of the row. (So a batch's facts with co-handlers
    come after the others: only for facts already unique by identity, `_in_log_order` otherwise.)"""
    plain = [(f.appeal_id, f.kind, f.unit_code, f.occurred_at, f.period, f.attempt, f.level, f.flag, f.label,
              f.other_unit, f.tracking_number, f.event_id, f.event_type) for f in facts if not f.co_units]
    await conn.copy_records_to_table(fact_table.REPLACEMENT, records=plain, columns=_PLAIN_COLUMNS)
    if len(plain) < len(facts):
        await conn.copy_records_to_table(fact_table.REPLACEMENT, columns=_FACT_COLUMNS,
                                         records=[_row(f) for f in facts if f.co_units])
    if received:
        await conn.copy_records_to_table("received_appeals", records=received, columns=_RECEIVED_COLUMNS)


async def _in_log_order(conn: Connection, facts: list[Fact], received: list[tuple]) -> None:
    """COPY the facts into the new fact table in the order given, so that `seq` numbers them in
    log order (`received` is empty: the streamed path rebuilds the received letters after)."""
    await conn.copy_records_to_table(fact_table.REPLACEMENT, columns=_FACT_COLUMNS, records=[_row(f) for f in facts])


async def _store_in_memory(conn: Connection, log_: Log, stats: dict[str, Any]) -> tuple[_Appeals, Awaitable[Any]]:
    """COPY the new facts of each batch while the next batch is fetched and decoded; return them
    and the last COPY, still running (the judging starts meanwhile)."""
    appeals = _Appeals()

    def keep(batch: list[Fact]) -> tuple[list[Fact], list[tuple]]:
        new = appeals.new(batch)
        return new, appeals.first_receipts(new)

    return appeals, await _load(conn, log_, stats, keep, _copy)


async def _store_streaming(conn: Connection, log_: Log, stats: dict[str, Any]) -> None:
    """COPY every fact as read, repeats of an identity too (`seq` numbers them in log order), in
    memory bounded by one batch; then keep the first of each identity."""
    await (await _load(conn, log_, stats, lambda batch: (batch, []), _in_log_order))
    await conn.execute(_DROP_REPEATS)


async def _load(conn: Connection, log_: Log, stats: dict[str, Any],
                keep: Callable[[list[Fact]], tuple[list[Fact], list[tuple]]],
                copy: Callable[[Connection, list[Fact], list[tuple]], Awaitable[None]]) -> Awaitable[Any]:
    """COPY what `keep` takes of each batch (facts, received letters) into the new fact table
    while the next batch is fetched and decoded; return the last COPY, still running."""
    writing: asyncio.Future[Any] | None = None
    try:
        async for batch in log_.facts(stats):
            facts, received = keep(batch)
            if writing is not None:
                started = time.perf_counter()
                await writing
                stats["seconds_waiting_for_copy"] += time.perf_counter() - started
            writing = asyncio.ensure_future(copy(conn, facts, received))
    except BaseException:
        await let_finish(writing)
        raise
    return writing if writing is not None else asyncio.sleep(0)


async def _swap_after(conn: Connection, copying: Awaitable[Any], swap: str, stats: dict[str, Any]) -> None:
    """Once the last facts are in: the new fact table indexed and in place of the old."""
    await copying
    started = time.perf_counter()
    await fact_table.swap_in(conn, swap)
    stats["seconds_indexing_and_swapping"] = time.perf_counter() - started


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the replay runs: it holds millions of facts, and each
    full collection walks them all (it took half the decoding time). The replay makes no cycles;
    what others make meanwhile is collected when it ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def replay(settings: Settings, in_memory_events: int = IN_MEMORY_EVENTS) -> dict[str, Any]:
    """Rebuild every fact from the log; return what was read, how fast, and where the time went.
    A log of more than `in_memory_events` events is judged from the stored facts."""
    stats: dict[str, Any] = {"events": 0, "ignored": 0, "malformed": 0, "seconds_fetching": 0.0,
                             "seconds_decoding": 0.0, "seconds_waiting_for_copy": 0.0}
    started, cpu_started = time.perf_counter(), time.process_time()
    pool = await create_pool(settings.database_url, "assessment", min_size=1, max_size=2)
    try:
        with _collector_paused():
            async with pool.acquire() as conn, conn.transaction(), Log(settings, CONSUMED_TOPICS) as opened:
                await _replace_all(cast(Connection, conn), opened, stats, in_memory_events)
                committing = time.perf_counter()
            stats["seconds_committing"] = time.perf_counter() - committing
    finally:
        await pool.close()
    seconds = time.perf_counter() - started
    stats["seconds_reading_and_storing_facts"] -= started
    stats.update({k: round(v, 3) for k, v in stats.items() if k.startswith("seconds_")})
    stats.update(seconds=round(seconds, 3), events_per_second=round(stats["events"] / seconds, 1) if seconds else None)
    # This process's CPU alone (PostgreSQL's is its own): steadier than the wall time on a shared machine.
    cpu = time.process_time() - cpu_started
    stats["cpu_us_per_event"] = round(cpu / stats["events"] * 1e6, 1) if stats["events"] else None
    log.info("assessment replay: %s", stats)
    return stats


async def _replace_all(conn: Connection, opened: Log, stats: dict[str, Any], in_memory_events: int) -> None:
    # One replay at a time. A live consumer still running waits for it at its next fact (its
    # insert is idempotent; it stores into whichever table is called appeal_facts when it gets
    # its turn, after the commit). Readers go on reading the old facts until the swap.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('assessment-replay'))")
    await conn.execute("LOCK TABLE appeal_facts IN SHARE ROW EXCLUSIVE MODE")
    stats["in_memory"] = opened.events <= in_memory_events
    if stats["in_memory"]:
        swap = await fact_table.create_replacement(conn)
        await conn.execute(_CLEAR_RECEIVED)  # refilled as the facts are read (first_receipts)
        appeals, copying = await _store_in_memory(conn, opened, stats)
        stats["seconds_reading_and_storing_facts"] = judging = time.perf_counter()
        stats["facts"] = appeals.facts
        # PostgreSQL takes the last facts, indexes them and swaps the tables while the first
        # appeals are judged
        swapped = asyncio.ensure_future(_swap_after(conn, copying, swap, stats))
        stats["appeals"] = await store_verdicts(conn, appeals.each(), stats=stats, running=swapped)
    else:
        swap = await fact_table.create_replacement(conn)
        await _store_streaming(conn, opened, stats)
        await fact_table.swap_in(conn, swap)
        stats["seconds_reading_and_storing_facts"] = judging = time.perf_counter()
        await conn.execute(_CLEAR_RECEIVED)
        await conn.execute(_REBUILD_RECEIVED)
        stats["facts"] = await conn.fetchval("SELECT count(*) FROM appeal_facts")
        stats["appeals"] = await rebuild(conn)
    await conn.execute(_RECHECK_CLOSED)
    stats["seconds_judging"] = time.perf_counter() - judging


if __name__ == "__main__":
    print(asyncio.run(replay(Settings())))
