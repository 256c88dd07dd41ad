"""The Kafka log a replay reads (replay.py): the consumed topics from their beginning to the end
offsets they had when the replay started, each record decoded into the fact it states exactly
as the live consumer would judge it (a record the consumer dead-letters gives no fact here).

Why librdkafka (confluent-kafka) and not aiokafka, as everywhere else (README "Performance"):
the replay is CPU-bound in one Python process, and aiokafka builds every record in Python
(unpacking the batch, then a ConsumerRecord): 3.6 us of the ~23 us a replayed event cost. A
plain confluent-kafka Consumer fetches, checks the CRCs and unpacks in librdkafka's C threads,
beside the event loop, and hands over C Message objects. Reading raw record batches through
aiokafka instead would have to drive its fetch requests and record parser by hand, both
private API (aiokafka.protocol, aiokafka.record, the client inside the consumer): fast too, but
it would break on any aiokafka release, so it was not taken.

How it keeps the contract: every partition is assigned (not subscribed: no group is joined
and nothing is committed) from its low watermark, and read until the high watermark it had
when the log was opened; a record at or after that is left to the live consumer. librdkafka
keeps log order within a partition, skips control batches and, with `check.crcs`, refuses a
corrupt batch (the replay fails rather than rebuild from it). A partition is done when its
last record before the end has been read, or when librdkafka says it reached the partition's
end (the last offsets may hold control records or nothing, after retention or compaction).
`consume` waits in a worker thread, so the COPY of the last batch goes on meanwhile.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from asyncpg.pgproto.pgproto import UUID as _FastUUID
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from pydantic import ValidationError

from services.assessment.domain.facts import CONSUMED, Fact, fact_of, problem_with
from shared.contracts.envelope import MalformedEvent, decode_headers, open_envelope
from shared.kafka.security import librdkafka_config
from shared.settings import Settings

log = logging.getLogger(__name__)
BATCH = 10_000  # records per consume: the last COPY, which nothing overlaps, stays short
YIELD_EVERY = 2_000  # records or appeals between letting the COPY in flight and the fetcher move
METADATA_TIMEOUT = 30.0  # seconds for the partitions and their watermarks
HANDLED = {kind.event_type for kind in CONSUMED}
# model_validate_json without its wrapper: the same validator, called a hundred thousand times a second.
_VALIDATE = {kind.event_type: kind.__pydantic_validator__.validate_json for kind in CONSUMED}
_EOF = KafkaError._PARTITION_EOF

Partition = tuple[str, int]  # physical topic, partition


def _consumer_config(settings: Settings) -> dict[str, Any]:
    return {
        **librdkafka_config(settings),
        # The Python client wants a group; it is never joined (assign, not subscribe) nor
        # committed to. Assessment's own, as its identity may use it on a broker with ACLs.
        "group.id": settings.topic("hotline-assessment"), "client.id": "hotline-assessment-replay",
        "enable.auto.commit": False, "enable.auto.offset.store": False, "auto.offset.reset": "earliest",
        "check.crcs": True,  # off by default in librdkafka; aiokafka checks every batch
        "isolation.level": "read_uncommitted",  # as the live (aiokafka) consumer reads
        "enable.partition.eof": True,  # tells when a partition has nothing more (see `_done`)
        # Big fetches: a replay reads whole partitions (the defaults suit a live consumer's latency).
        "max.partition.fetch.bytes": 16 * 2**20, "fetch.wait.max.ms": 100,
        # keep fetching ahead: librdkafka otherwise pauses a second when 100,000 records wait
        "queued.min.messages": 1_000_000, "fetch.queue.backoff.ms": 10,
    }


class Log:
    """The consumed topics from their beginning to the end offsets they had when opened."""

    def __init__(self, settings: Settings, topics: tuple[str, ...]) -> None:
        self.settings, self.topics = settings, topics
        self.consumer: Consumer | None = None
        self.starts: dict[Partition, int] = {}  # low watermarks, when opened
        self.ends: dict[Partition, int] = {}  # high watermarks, when opened
        self.events = 0  # records to read (a deleted-by-retention head is not counted)

    async def __aenter__(self) -> "Log":
        self.consumer = Consumer(_consumer_config(self.settings), logger=log)
        try:
            await asyncio.to_thread(self._assign, self.consumer)
        except BaseException:
            await asyncio.to_thread(self.consumer.close)
            raise
        return self

    def _assign(self, consumer: Consumer) -> None:
        names = [self.settings.topic(t) for t in self.topics]
        partitions: list[Partition] = []
        for name in names:
            topic = consumer.list_topics(name, timeout=METADATA_TIMEOUT).topics[name]
            if topic.error is not None:
                raise RuntimeError(f"topic {name}: {topic.error.str()} (run `hotline topics`)")
            partitions += [(name, p) for p in topic.partitions]
        for name, p in sorted(partitions):
            self.starts[name, p], self.ends[name, p] = consumer.get_watermark_offsets(
                TopicPartition(name, p), timeout=METADATA_TIMEOUT, cached=False)
        self.events = sum(self.ends[tp] - self.starts[tp] for tp in self.ends)
        consumer.assign([TopicPartition(name, p, self.starts[name, p]) for name, p in self.ends])

    async def __aexit__(self, *_exc: object) -> None:
        if self.consumer is not None:
            await asyncio.to_thread(self.consumer.close)

    async def facts(self, stats: dict[str, Any]) -> AsyncIterator[list[Fact]]:
        """Facts of every event up to the end offsets, in batches, in log order per partition."""
        consumer = self.consumer
        assert consumer is not None, "use the log inside `async with`"
        ends, pending = self.ends, {tp for tp, end in self.ends.items() if end > self.starts[tp]}
        while pending:
            started = time.perf_counter()
            messages = await asyncio.to_thread(consumer.consume, BATCH, 1.0)
            decoding = time.perf_counter()
            stats["seconds_fetching"] += decoding - started
            batch: list[Fact] = []
            for i, message in enumerate(messages):
                tp = message.topic(), message.partition()
                if (error := message.error()) is not None:
                    self._done(tp, pending, error)
                    continue
                offset, end = message.offset(), ends[tp]
                if offset >= end - 1:
                    self._done(tp, pending)
                    if offset >= end:
                        continue  # written after the replay started: the live consumer has it
                stats["events"] += 1
                fact = fact_of_record(message, stats)
                if fact is not None:
                    batch.append(fact)
                if i % YIELD_EVERY == YIELD_EVERY - 1:
                    await asyncio.sleep(0)  # let the COPY in flight send its rows
            stats["seconds_decoding"] += time.perf_counter() - decoding
            if batch:
                yield batch

    def _done(self, tp: Partition, pending: set[Partition], error: KafkaError | None = None) -> None:
        """`tp` read to its end (or librdkafka reached its end: `error` is the EOF), else a failure."""
        if error is not None and error.code() != _EOF:
            if error.retriable() and not error.fatal():
                log.warning("replay: Kafka says %s; librdkafka retries", error.str())
                return
            raise KafkaException(error)
        if tp in pending:
            pending.discard(tp)
            assert self.consumer is not None
            self.consumer.pause([TopicPartition(*tp)])  # fetch no more of it


def _event_id(text: str) -> uuid.UUID:
    # asyncpg's UUID (a uuid.UUID) parses the canonical form seven times faster; the forms only
    # uuid.UUID reads (braces, urn:) go to it, so exactly the ids the live consumer accepts pass.
    try:
        return _FastUUID(text)
    except ValueError:
        return uuid.UUID(text)


def fact_of_record(record: Message, stats: dict[str, Any]) -> Fact | None:
    raw = record.headers() or []
    value = record.value()
    try:
        headers = _raw_headers(raw)
        event_type = headers["ce_type"].decode() if "ce_type" in headers else None
        if event_type not in HANDLED:
            stats["ignored"] += 1  # another service's event type on a shared topic
            return None
        if "ce_id" in headers and value:
            # The payload and its id are all a fact needs: validating the model alone is half
            # the cost of building the whole envelope, and gives the same (data, id, type).
            data, event_id = _VALIDATE[event_type](value), _event_id(headers["ce_id"].decode())
            if "ce_time" in headers:
                datetime.fromisoformat(headers["ce_time"].decode())  # a bad one is dead-lettered live
        else:
            envelope = open_envelope(decode_headers(raw), value,
                                     position=f"{record.topic()}/{record.partition()}/{record.offset()}")
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
