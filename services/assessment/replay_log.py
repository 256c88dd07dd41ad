"""The Kafka log a replay reads (replay.py): the consumed topics from their beginning to the end
offsets they had when the replay started, each record decoded into the fact it states exactly
as the live consumer would judge it (a record the consumer dead-letters gives no fact here).
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from asyncpg.pgproto.pgproto import UUID as _FastUUID
from pydantic import ValidationError

from services.assessment.domain.facts import CONSUMED, Fact, fact_of, problem_with
from shared.contracts.envelope import MalformedEvent, decode_headers, open_envelope
from shared.kafka.partitions import topic_partitions
from shared.kafka.security import client_options
from shared.settings import Settings

BATCH = 10_000  # records per fetch: the last COPY, which nothing overlaps, stays short
# Big fetches: a replay reads whole partitions, so fewer, larger round trips (the defaults are
# 1 MB per partition, tuned for a live consumer's latency).
_FETCH = {"max_partition_fetch_bytes": 16 * 2**20, "fetch_max_bytes": 64 * 2**20, "fetch_max_wait_ms": 100}
YIELD_EVERY = 2_000  # records or appeals between letting the COPY in flight and the fetcher move
HANDLED = {kind.event_type for kind in CONSUMED}
# model_validate_json without its wrapper: the same validator, called a hundred thousand times a second.
_VALIDATE = {kind.event_type: kind.__pydantic_validator__.validate_json for kind in CONSUMED}


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
                    fact = fact_of_record(record, stats)
                    if fact is not None:
                        batch.append(fact)
                    if i % YIELD_EVERY == YIELD_EVERY - 1:
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


def fact_of_record(record: ConsumerRecord, stats: dict[str, Any]) -> Fact | None:
    try:
        headers = _raw_headers(record.headers)
        event_type = headers["ce_type"].decode() if "ce_type" in headers else None
        if event_type not in HANDLED:
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
