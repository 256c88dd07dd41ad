"""Rebuild assessment's facts from the Kafka log, from scratch: `hotline replay assessment`.

Reads every consumed topic from the beginning up to the offsets it ends at when the replay
starts, turns each event into its fact exactly as the live consumer does (domain/facts.py),
and replaces the fact table, and the verdicts and totals judged from it (rebuild.py), in
one transaction, so readers see the old scores or the new ones, never half. Closed months are
then marked for a recheck: if the rebuilt facts give other scores than were published, the
recheck publishes a correction instead of a silent change.

How it is fast (README "Performance"): the facts are written with COPY while the next fetch is
decoded (PostgreSQL works on the other core), and a log of up to IN_MEMORY_EVENTS events is
judged from the facts just read, grouped by appeal in memory, instead of reading them back.
A bigger log is stored with an idempotent INSERT and judged from the stored facts, in memory
bounded by one chunk. Both keep the first fact of an identity in log order, as the table does.
"""

import asyncio
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from asyncpg import Connection
from asyncpg.pgproto.pgproto import UUID as _FastUUID
from pydantic import ValidationError

from services.assessment.adapters import repository
from services.assessment.domain.facts import CONSUMED, Fact, fact_of, problem_with
from services.assessment.entrypoint import CONSUMED_TOPICS
from services.assessment.rebuild import let_finish, rebuild, store_verdicts
from shared.contracts.envelope import MalformedEvent, decode_headers, open_envelope
from shared.db import create_pool
from shared.kafka.partitions import topic_partitions
from shared.kafka.security import client_options
from shared.settings import Settings

log = logging.getLogger(__name__)
BATCH = 10_000  # records per fetch: the last COPY, which nothing overlaps, stays short
# About 360 bytes of memory per event held (the facts and their identities): 2,000,000 events
# take some 700 MB. A bigger log is judged from the stored facts instead.
IN_MEMORY_EVENTS = 2_000_000
# Big fetches: a replay reads whole partitions, so fewer, larger round trips (the defaults are
# 1 MB per partition, tuned for a live consumer's latency).
_FETCH = {"max_partition_fetch_bytes": 16 * 2**20, "fetch_max_bytes": 64 * 2**20, "fetch_max_wait_ms": 100}
_YIELD_EVERY = 2_000  # records or appeals between letting the COPY in flight and the fetcher move
_HANDLED = {kind.event_type for kind in CONSUMED}
# model_validate_json without its wrapper: the same validator, called a hundred thousand times a second.
_VALIDATE = {kind.event_type: kind.__pydantic_validator__.validate_json for kind in CONSUMED}
_CLEAR = "DELETE FROM appeal_facts"
_CLEAR_RECEIVED = "DELETE FROM received_appeals"
_REBUILD_RECEIVED = """
INSERT INTO received_appeals (appeal_id, unit_code, period, dispatched_at)
SELECT appeal_id, unit_code, period, occurred_at FROM appeal_facts WHERE period IS NOT NULL
ON CONFLICT (appeal_id, unit_code) DO NOTHING
"""
_RECHECK_CLOSED = "INSERT INTO period_rechecks (period) SELECT period FROM period_closings ON CONFLICT DO NOTHING"
_FACT_COLUMNS = ["appeal_id", "kind", "unit_code", "occurred_at", "period", "attempt", "level", "flag", "label",
                 "other_unit", "co_units", "tracking_number", "event_id", "event_type"]
_PLAIN_COLUMNS = [c for c in _FACT_COLUMNS if c != "co_units"]


class Log:
    """The consumed topics from their beginning to the end offsets they had when opened."""

    def __init__(self, settings: Settings, topics: tuple[str, ...]) -> None:
        self.settings, self.topics = settings, topics
        self.consumer: AIOKafkaConsumer | None = None
        self.ends: dict[TopicPartition, int] = {}
        self.events = 0  # records to read (a deleted-by-retention head is not counted)

    async def __aenter__(self) -> "Log":
        partitions = await topic_partitions(self.settings, [self.settings.topic(t) for t in self.topics])
        self.consumer = AIOKafkaConsumer(**client_options(self.settings), **_FETCH, group_id=None,
                                         enable_auto_commit=False, auto_offset_reset="earliest",
                                         max_poll_records=BATCH)
        await self.consumer.start()
        self.consumer.assign(partitions)
        await self.consumer.seek_to_beginning(*partitions)
        self.ends = await self.consumer.end_offsets(partitions)
        starts = await self.consumer.beginning_offsets(partitions)
        self.events = sum(self.ends[tp] - starts[tp] for tp in partitions)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.consumer is not None:
            await self.consumer.stop()

    async def facts(self, stats: dict[str, Any]) -> AsyncIterator[list[Fact]]:
        """Facts of every event up to the end offsets, in batches, in log order per partition."""
        consumer = self.consumer
        assert consumer is not None, "use the log inside `async with`"
        pending = {tp for tp, end in self.ends.items() if end > 0}
        while pending:
            started = time.perf_counter()
            fetched = await consumer.getmany(*pending, timeout_ms=1000, max_records=BATCH)
            decoding = time.perf_counter()
            stats["seconds_fetching"] += decoding - started
            batch: list[Fact] = []
            for tp, records in fetched.items():
                end = self.ends[tp]
                for i, record in enumerate(records):
                    if record.offset >= end:
                        continue  # written after the replay started: the live consumer has it
                    stats["events"] += 1
                    fact = _fact(record, stats)
                    if fact is not None:
                        batch.append(fact)
                    if i % _YIELD_EVERY == _YIELD_EVERY - 1:
                        await asyncio.sleep(0)  # let the COPY in flight send its rows
                if await consumer.position(tp) >= end:
                    pending.discard(tp)
            stats["seconds_decoding"] += time.perf_counter() - decoding
            if batch:
                yield batch


def _event_id(text: str) -> uuid.UUID:
    # asyncpg's UUID (a uuid.UUID) parses the canonical form seven times faster; the forms only
    # uuid.UUID reads (braces, urn:) go to it, so exactly the ids the live consumer accepts pass.
    try:
        return _FastUUID(text)
    except ValueError:
        return uuid.UUID(text)


def _fact(record: ConsumerRecord, stats: dict[str, Any]) -> Fact | None:
    try:
        headers = _raw_headers(record.headers)
        event_type = headers["ce_type"].decode() if "ce_type" in headers else None
        if event_type not in _HANDLED:
            stats["ignored"] += 1  # another service's event type on a shared topic
            return None
        if "ce_id" in headers and record.value:
            # The payload and its id are all a fact needs: validating the model alone is half
            # the cost of building the whole envelope, and gives the same (data, id, type).
            data, event_id = _VALIDATE[event_type](record.value), _event_id(headers["ce_id"].decode())
            if "ce_time" in headers:
                datetime.fromisoformat(headers["ce_time"].decode())  # a bad one is dead-lettered live
        else:
            envelope = open_envelope(decode_headers(record.headers), record.value,
                                     position=f"{record.topic}/{record.partition}/{record.offset}")
            data, event_id = envelope.data, envelope.id
    except (MalformedEvent, ValidationError, ValueError):
        stats["malformed"] += 1  # the live consumer dead-lettered it too
        return None
    fact = fact_of(data, event_id, event_type)
    if fact is None or problem_with(fact):
        stats["malformed"] += fact is not None
        return None
    return fact


def _raw_headers(raw: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
    """The headers undecoded, refused as `decode_headers` refuses them (the live consumer
    dead-letters a record with any value that is not UTF-8), but checked in one decode of all
    the values: with a NUL between two values no character can start in one and end in the
    next, so the whole is valid exactly when each value is."""
    try:
        b"\0".join([value for _, value in raw]).decode()
    except UnicodeDecodeError as exc:
        raise MalformedEvent(f"header is not UTF-8: {exc}") from exc
    return dict(raw)


class _Appeals:
    """The facts read so far, by appeal and identity; the first of an identity is kept, as the
    table's primary key keeps the first row inserted."""

    def __init__(self) -> None:
        self.by_appeal: dict[uuid.UUID, dict[tuple[str, str, datetime], Fact]] = {}
        self.facts = 0

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

    async def each(self) -> AsyncIterator[tuple[uuid.UUID, list[Fact]]]:
        for n, (appeal_id, facts) in enumerate(self.by_appeal.items()):
            if n % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the verdict rows in flight be written
            yield appeal_id, list(facts.values())


async def _copy(conn: Connection, facts: list[Fact]) -> None:
    """COPY the facts. Those without co-handlers (nearly all) leave `co_units` to its default '{}':
    encoding an empty array costs asyncpg more than all the other columns of the row."""
    plain = [(f.appeal_id, f.kind, f.unit_code, f.occurred_at, f.period, f.attempt, f.level, f.flag, f.label,
              f.other_unit, f.tracking_number, f.event_id, f.event_type) for f in facts if not f.co_units]
    await conn.copy_records_to_table("appeal_facts", records=plain, columns=_PLAIN_COLUMNS)
    if len(plain) < len(facts):
        await conn.copy_records_to_table("appeal_facts", columns=_FACT_COLUMNS, records=[
            (f.appeal_id, f.kind, f.unit_code, f.occurred_at, f.period, f.attempt, f.level, f.flag, f.label,
             f.other_unit, list(f.co_units), f.tracking_number, f.event_id, f.event_type) for f in facts if f.co_units])


async def _store_in_memory(conn: Connection, log_: Log, stats: dict[str, Any]) -> tuple[_Appeals, Awaitable[Any]]:
    """COPY the new facts of each batch while the next batch is fetched and decoded; return them
    and the last COPY, still running (the judging starts meanwhile)."""
    appeals = _Appeals()
    writing: asyncio.Future[Any] | None = None
    try:
        async for batch in log_.facts(stats):
            new = appeals.new(batch)
            if writing is not None:
                started = time.perf_counter()
                await writing
                stats["seconds_waiting_for_copy"] += time.perf_counter() - started
            writing = asyncio.ensure_future(_copy(conn, new))
    except BaseException:
        await let_finish(writing)
        raise
    return appeals, writing if writing is not None else asyncio.sleep(0)


async def _received_after(conn: Connection, copying: Awaitable[Any]) -> None:
    """The received letters rebuilt once the last facts are in."""
    await copying
    await conn.execute(_CLEAR_RECEIVED)
    await conn.execute(_REBUILD_RECEIVED)


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
    started = time.perf_counter()
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
    log.info("assessment replay: %s", stats)
    return stats


async def _replace_all(conn: Connection, opened: Log, stats: dict[str, Any], in_memory_events: int) -> None:
    # One replay at a time. A live consumer still running waits for it at its next fact (its
    # insert is idempotent): the COPY would fail on a fact the consumer stored meanwhile, where
    # the INSERT of old skipped it. Readers go on reading the old rows until the commit.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('assessment-replay'))")
    await conn.execute("LOCK TABLE appeal_facts IN SHARE ROW EXCLUSIVE MODE")
    clearing = time.perf_counter()
    await conn.execute(_CLEAR)
    stats["seconds_clearing"] = time.perf_counter() - clearing
    stats["in_memory"] = opened.events <= in_memory_events
    if stats["in_memory"]:
        appeals, copying = await _store_in_memory(conn, opened, stats)
        stats["seconds_reading_and_storing_facts"] = judging = time.perf_counter()
        stats["facts"] = appeals.facts
        # PostgreSQL takes the last facts and rebuilds the received letters while the first
        # appeals are judged
        received = asyncio.ensure_future(_received_after(conn, copying))
        stats["appeals"] = await store_verdicts(conn, appeals.each(), stats=stats, running=received)
    else:
        async for batch in opened.facts(stats):
            await repository.store_facts(conn, batch)
        stats["seconds_reading_and_storing_facts"] = judging = time.perf_counter()
        await conn.execute(_CLEAR_RECEIVED)
        await conn.execute(_REBUILD_RECEIVED)
        stats["facts"] = await conn.fetchval("SELECT count(*) FROM appeal_facts")
        stats["appeals"] = await rebuild(conn)
    await conn.execute(_RECHECK_CLOSED)
    stats["seconds_judging"] = time.perf_counter() - judging


if __name__ == "__main__":
    print(asyncio.run(replay(Settings())))
