"""Rebuild assessment's facts from the Kafka log, from scratch: `hotline replay assessment`.

Reads every consumed topic from the beginning up to the offsets it ends at when the replay
starts, turns each event into its fact exactly as the live consumer does (domain/facts.py),
and replaces the fact table, and the verdicts and totals judged from it (rebuild.py), in
one transaction, so readers see the old scores or the new ones, never half. Closed months are then marked for a recheck: if the rebuilt facts give
other scores than were published, the recheck publishes a correction instead of a silent change.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from uuid import UUID

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from services.assessment.adapters import repository
from services.assessment.domain.facts import CONSUMED, Fact, fact_of, problem_with
from services.assessment.entrypoint import CONSUMED_TOPICS
from services.assessment.rebuild import rebuild
from shared.contracts.envelope import MalformedEvent, decode_headers, open_envelope
from shared.contracts.events import EVENT_TYPES
from shared.db import create_pool
from shared.kafka.partitions import topic_partitions
from shared.kafka.security import client_options
from shared.settings import Settings

log = logging.getLogger(__name__)
BATCH = 5000
_HANDLED = {kind.event_type for kind in CONSUMED}
_CLEAR = "DELETE FROM appeal_facts"
_CLEAR_RECEIVED = "DELETE FROM received_appeals"
_REBUILD_RECEIVED = """
INSERT INTO received_appeals (appeal_id, unit_code, period, dispatched_at)
SELECT appeal_id, unit_code, period, occurred_at FROM appeal_facts WHERE period IS NOT NULL
ON CONFLICT (appeal_id, unit_code) DO NOTHING
"""
_RECHECK_CLOSED = "INSERT INTO period_rechecks (period) SELECT period FROM period_closings ON CONFLICT DO NOTHING"


async def read_log(settings: Settings, topics: tuple[str, ...], stats: dict) -> AsyncIterator[list[Fact]]:
    """Facts of every event in `topics` up to their current end, in batches."""
    partitions = await topic_partitions(settings, [settings.topic(t) for t in topics])
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=BATCH)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if ends[tp] > 0}
        while pending:
            batch: list[Fact] = []
            for tp, records in (await consumer.getmany(*pending, timeout_ms=1000, max_records=BATCH)).items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue  # written after the replay started: the live consumer has it
                    stats["events"] += 1
                    fact = _fact(record, stats)
                    if fact is not None:
                        batch.append(fact)
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
            if batch:
                yield batch
    finally:
        await consumer.stop()


def _fact(record, stats: dict) -> Fact | None:
    try:
        headers = decode_headers(record.headers)
        event_type = headers.get("ce_type")
        if event_type not in _HANDLED:
            stats["ignored"] += 1  # another service's event type on a shared topic
            return None
        if "ce_id" in headers and record.value:
            # The payload and its id are all a fact needs: validating the model alone is half
            # the cost of building the whole envelope, and gives the same (data, id, type).
            data, event_id = EVENT_TYPES[event_type].model_validate_json(record.value), UUID(headers["ce_id"])
        else:
            envelope = open_envelope(headers, record.value, position=f"{record.topic}/{record.partition}/{record.offset}")
            data, event_id = envelope.data, envelope.id
    except (MalformedEvent, ValidationError, ValueError):
        stats["malformed"] += 1  # the live consumer dead-lettered it too
        return None
    fact = fact_of(data, event_id, event_type)
    if fact is None or problem_with(fact):
        stats["malformed"] += fact is not None
        return None
    return fact


async def replay(settings: Settings) -> dict:
    """Rebuild every fact from the log; return what was read and how fast."""
    stats = {"events": 0, "ignored": 0, "malformed": 0}
    started = time.perf_counter()
    pool = await create_pool(settings.database_url, "assessment", min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn, conn.transaction():
            # One replay at a time; the live consumer keeps running (its inserts are idempotent).
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('assessment-replay'))")
            await conn.execute(_CLEAR)
            async for batch in read_log(settings, CONSUMED_TOPICS, stats):
                await repository.store_facts(conn, batch)
            await conn.execute(_CLEAR_RECEIVED)
            await conn.execute(_REBUILD_RECEIVED)
            stats["facts"] = await conn.fetchval("SELECT count(*) FROM appeal_facts")
            stats["appeals"] = await rebuild(conn)
            await conn.execute(_RECHECK_CLOSED)
    finally:
        await pool.close()
    seconds = time.perf_counter() - started
    stats.update(seconds=round(seconds, 3), events_per_second=round(stats["events"] / seconds, 1) if seconds else None)
    log.info("assessment replay: %s", stats)
    return stats


if __name__ == "__main__":
    print(asyncio.run(replay(Settings())))
