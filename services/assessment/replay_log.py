"""The Kafka log a replay reads (replay.py): the consumed topics from their beginning to the end
offsets they had when the replay started, each record decoded into the fact it states exactly
as the live consumer would judge it (a record the consumer dead-letters gives no fact here).

The records come as the broker's record batches (shared/kafka/raw_log.py), not through the
consumer's getmany: a replay is CPU-bound in this one process, and a ConsumerRecord built in
Python for every record cost 3.6 us of the ~23 us an event took; reading the C batches costs
about 1 us. librdkafka (confluent-kafka), the other way tried, cost more than aiokafka's
consumer (README "Performance"). The consumer still finds the partitions and their offsets.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from asyncpg.pgproto.pgproto import UUID as _FastUUID
from pydantic import ValidationError

from services.assessment.domain.facts import CONSUMED, Fact, fact_of, problem_with
from shared.contracts.envelope import MalformedEvent, decode_headers, open_envelope
from shared.kafka.partitions import topic_partitions
from shared.kafka.raw_log import RawRecord, read_ranges
from shared.kafka.security import client_options
from shared.settings import Settings

BATCH = 10_000  # records per batch of facts: the last COPY, which nothing overlaps, stays short
YIELD_EVERY = 2_000  # records or appeals between letting the COPY in flight and the fetcher move
HANDLED = {kind.event_type for kind in CONSUMED}
# model_validate_json without its wrapper: the same validator, called a hundred thousand times a second.
_VALIDATE = {kind.event_type: kind.__pydantic_validator__.validate_json for kind in CONSUMED}


class Log:
    """The consumed topics from their beginning to the end offsets they had when opened."""

    def __init__(self, settings: Settings, topics: tuple[str, ...]) -> None:
        self.settings, self.topics = settings, topics
        self.consumer: AIOKafkaConsumer | None = None
        self.starts: dict[TopicPartition, int] = {}  # where each partition begins, when opened
        self.ends: dict[TopicPartition, int] = {}  # where it ends, when opened
        self.events = 0  # records to read (a deleted-by-retention head is not counted)

    async def __aenter__(self) -> "Log":
        partitions = await topic_partitions(self.settings, [self.settings.topic(t) for t in self.topics])
        self.consumer = AIOKafkaConsumer(**client_options(self.settings), group_id=None, enable_auto_commit=False)
        await self.consumer.start()
        # assigned so that its client keeps the partitions' leaders, paused so that it fetches
        # nothing itself: read_ranges does
        self.consumer.assign(partitions)
        self.consumer.pause(*partitions)
        self.ends = await self.consumer.end_offsets(partitions)
        self.starts = await self.consumer.beginning_offsets(partitions)
        self.events = sum(self.ends[tp] - self.starts[tp] for tp in partitions)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.consumer is not None:
            await self.consumer.stop()

    async def facts(self, stats: dict[str, Any]) -> AsyncIterator[list[Fact]]:
        """Facts of every event up to the end offsets, in batches, in log order per partition."""
        consumer = self.consumer
        assert consumer is not None, "use the log inside `async with`"
        batch: list[Fact] = []
        read = 0  # records read since the last batch of facts
        started = time.perf_counter()
        async for tp, records in read_ranges(consumer, self.starts, self.ends):
            decoding = time.perf_counter()
            stats["seconds_fetching"] += decoding - started
            before = read
            for record in records:
                fact = fact_of_record(tp, record, stats)
                if fact is not None:
                    batch.append(fact)
                read += 1
                if read % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let the COPY in flight send its rows
            stats["events"] += read - before
            stats["seconds_decoding"] += time.perf_counter() - decoding
            if read >= BATCH:
                yield batch
                batch, read = [], 0
            started = time.perf_counter()
        if batch:
            yield batch


def _event_id(text: str) -> uuid.UUID:
    # asyncpg's UUID (a uuid.UUID) parses the canonical form seven times faster; the forms only
    # uuid.UUID reads (braces, urn:) go to it, so exactly the ids the live consumer accepts pass.
    try:
        return _FastUUID(text)
    except ValueError:
        return uuid.UUID(text)


def fact_of_record(tp: TopicPartition, record: RawRecord, stats: dict[str, Any]) -> Fact | None:
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
                                     position=f"{tp.topic}/{tp.partition}/{record.offset}")
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
