"""The Kafka broker every service uses, with safe defaults, and the batch subscription glue.

Defaults that decide whether data is lost: the producer is idempotent (which implies
acks=all); subscribers acknowledge manually, after the batch's transaction committed and
its dead letters were published. faststream's own default (auto-commit before handling)
would lose a batch when the process dies mid-way, so it is never used here.
"""

import asyncio
import dataclasses
import inspect
import logging
import time
import types
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain
from typing import Union

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.consumer import DeadLetter, EventConsumer
from shared.contracts.topics import dead_letter_topic
from shared.kafka_security import broker_security, client_options
from shared.metrics import CONSUMER_LAG, DEAD_LETTERS, HANDLER_ERRORS
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_broker(settings: Settings, service: str) -> KafkaBroker:
    return KafkaBroker(
        # a list: faststream passes a plain string on as one host name, "a:1,b:2" included
        [server.strip() for server in settings.kafka_bootstrap.split(",")],
        client_id=f"hotline-{service}",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        allow_auto_create_topics=False,  # topics and partitions come from `hotline topics`
        ack_policy=AckPolicy.MANUAL,
        security=broker_security(settings),
        graceful_timeout=10.0,
        logger=logging.getLogger(f"hotline.{service}.kafka"),
        log_level=logging.DEBUG,
    )


class RecordSender:
    """The outbox relay's own producer: idempotent (acks=all), sends stored records as they are.

    The relay's records are bytes with their headers already; faststream's publish path
    (command, middlewares, codec) cost more CPU per record than aiokafka's send itself, and the
    relay sends every event the service emits.
    """

    def __init__(self, settings: Settings, service: str) -> None:
        # No linger: the relay hands over a whole claimed batch before it waits, so the records
        # are batched anyway, and each hop of an appeal would otherwise wait the linger.
        self._producer = AIOKafkaProducer(**client_options(settings), client_id=f"hotline-{service}-relay",
                                          enable_idempotence=True, linger_ms=0)

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def __call__(self, topic: str, key: bytes, headers: dict[str, str], body: bytes):
        """Send one record without waiting; returns the delivery future (the relay gathers them)."""
        return await self._producer.send(topic, body, key=key,
                                         headers=[(name, value.encode()) for name, value in headers.items()])


class DeadLetterPublisher:
    """Parks records that can never be processed, with the reason and the original bytes."""

    def __init__(self, broker: KafkaBroker, service: str, topic: str | None = None) -> None:
        self._broker = broker
        self.service = service
        self.topic = topic or dead_letter_topic(service)

    async def __call__(self, letters: Sequence[DeadLetter]) -> None:
        now = datetime.now(UTC).isoformat()
        for letter in letters:
            record = letter.record
            headers = {name: value.decode(errors="replace") for name, value in record.headers}
            headers.update(
                {
                    "hotline_dlq_reason": letter.reason[:1000],
                    "hotline_dlq_service": self.service,
                    "hotline_dlq_source": f"{record.topic}/{record.partition}/{record.offset}",
                    "hotline_dlq_time": now,
                }
            )
            await self._broker.publish(record.value or b"", self.topic, key=record.key, headers=headers)
            DEAD_LETTERS.labels(self.service, record.topic).inc()
            log.warning("dead-lettered %s/%s/%s: %s", record.topic, record.partition, record.offset, letter.reason)


class OffsetCommits:
    """Commits the offsets of processed batches at most every `interval` seconds, in the background.

    Committing after every batch cost a round trip to the group coordinator per batch: about
    1.5 ms of CPU and 8 ms of waiting on these machines, and the next batch waited for it.
    Only offsets of batches whose transaction committed are ever committed, so a crash or a
    rebalance makes the next owner read at most `interval` of records again, which the inbox
    skips. The interval's commit runs in a task of its own: at 100 appeals/s a commit waited
    for the coordinator 15 ms at the median and 35-60 ms at p95, and the batch after it waited
    as long. A batch that dead-lettered records is committed at once, before the next batch, so
    a restart does not park them twice.
    """

    def __init__(self, service: str, interval: float = 1.0, *, commit_timeout: float = 5.0) -> None:
        self.service = service
        self.interval = interval
        # aiokafka retries a commit for as long as the coordinator answers with a retriable error
        # (for ever when the topic was deleted under the consumer): the service then never
        # stopped. A commit is given this long; a later one covers its offsets, and what none
        # covers is read again by the partition's next owner and skipped by the inbox.
        self.commit_timeout = commit_timeout
        self._pending: dict[TopicPartition, int] = {}
        self._consumer = None
        self._last = time.monotonic()
        self._later: asyncio.Task | None = None
        self._one_at_a_time = asyncio.Lock()  # commits in the order of their offsets
        self._closed = False

    @property
    def uncommitted(self) -> dict[TopicPartition, int]:
        """Offsets processed and not yet committed, per partition."""
        return dict(self._pending)

    async def processed(self, message: KafkaMessage, records: Sequence, *, now: bool = False) -> None:
        consumer = getattr(message, "consumer", None)
        if not isinstance(consumer, AIOKafkaConsumer):  # faststream's test broker: plain ack
            await message.ack()
            return
        self._consumer = consumer
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            self._pending[tp] = max(record.offset + 1, self._pending.get(tp, 0))
        if now or self._closed:  # closed: a background commit would outlive the consumer
            await self.flush()
        elif self._later is None:
            self._later = asyncio.create_task(self._flush_later())

    async def flush(self) -> None:
        """Commit what was processed and not yet committed (also on shutdown)."""
        async with self._one_at_a_time:
            consumer, pending = self._consumer, dict(self._pending)
            self._last = time.monotonic()
            if consumer is None or not pending:
                return
            assigned = consumer.assignment()
            ours = {tp: offset for tp, offset in pending.items() if tp in assigned}
            if ours:
                try:
                    await asyncio.wait_for(consumer.commit(ours), self.commit_timeout)
                except (KafkaError, ConsumerStoppedError, TimeoutError) as exc:
                    # a rebalance took the partitions, shutdown, or no answer in time
                    log.info("%s: offsets not committed (%r); the records are read again and skipped",
                             self.service, exc)
            # Batches processed while the commit waited stay for the next one.
            for tp, offset in pending.items():
                if self._pending.get(tp) == offset:
                    del self._pending[tp]

    async def close(self) -> None:
        """Commit what was processed, before the consumer stops; a batch that ends after this
        (the broker lets the one in hand finish) is committed at once."""
        self._closed = True
        if self._later is not None:
            self._later.cancel()  # a commit it had started is not lost: flush keeps offsets until done
        await self.flush()

    async def _flush_later(self) -> None:
        try:
            while True:  # until a commit leaves nothing behind: batches done while it waited
                await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - self._last)))
                await self.flush()
                if not self._pending:
                    return
        finally:
            self._later = None


def subscribe(
    broker: KafkaBroker,
    consumer: EventConsumer,
    topics: Iterable[str],
    *,
    group_id: str,
    max_records: int = 500,
    description: str = "",
    commits: OffsetCommits | None = None,
):
    """Feed batches from `topics` to `consumer`, committing offsets only after success."""
    backoff = _Backoff()
    commits = commits or OffsetCommits(consumer.service)

    async def on_batch(events: list) -> None:
        # `events` is always empty (see _document_payloads); the pipeline reads the raw records.
        # The message comes from faststream's context rather than a `KafkaMessage` parameter:
        # fast_depends resolves that parameter by running a sync `Context.use` in a worker
        # thread: a thread hand-off, with its context switches, for every batch.
        message: KafkaMessage = broker.context.get_local("message")
        records = _flatten(message.raw_message)
        try:
            parked = await consumer.process(records)
        except Exception as exc:  # noqa: BLE001 - the consumer must outlive any one batch
            HANDLER_ERRORS.labels(consumer.service).inc()
            delay = backoff.next()
            log.warning("%s: batch of %d failed, reading it again in %.1fs: %r",
                        consumer.service, len(records), delay, exc)
            await message.nack()
            await asyncio.sleep(delay)
            return
        backoff.reset()
        await commits.processed(message, records, now=parked > 0)
        _record_lag(consumer.service, message, records)

    _document_payloads(on_batch, consumer.handled_models)
    subscriber = broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=_POLL_MS,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        description=description,
        decoder=_leave_to_the_pipeline,
        parser=_tolerate_undecodable_headers,
    )
    if not callable(getattr(type(subscriber), "get_msg", None)):  # an upgrade renamed faststream's poll
        raise RuntimeError(f"{type(subscriber).__name__} has no get_msg to replace: see _next_batch")
    subscriber.get_msg = types.MethodType(_next_batch, subscriber)
    return subscriber(on_batch)


# How long one poll waits for records; it returns as soon as any arrive, so this bounds only
# how often an idle consumer loops (and how long a stop waits for the poll to end).
_POLL_MS = 200


async def _next_batch(subscriber, consumer: AIOKafkaConsumer) -> tuple:
    """The next batch of records, or () when none came within the poll.

    Replaces faststream's BatchSubscriber.get_msg, which sleeps batch_timeout_ms after an empty
    poll: a record arriving during that sleep waited for it, at every hop. At a city's usual
    rate of a few appeals a second most polls are empty, so every hop paid up to 50 ms (p95 of
    intake's wait 58 ms at 5 appeals/s).
    """
    batches = await consumer.getmany(timeout_ms=subscriber.batch_timeout_ms, max_records=subscriber.max_records)
    return tuple(chain.from_iterable(batches.values()))


async def _tolerate_undecodable_headers(records, original_parser):
    """faststream's batch parser decodes every header as UTF-8; one record with a header that is
    not (a hostile or broken producer) made it raise before the pipeline ran, so the whole batch
    was never processed nor dead-lettered. Parse a copy without the undecodable headers and keep
    the untouched records as the raw message: the pipeline reads those and dead-letters the bad
    one (decode_headers -> MalformedEvent), the rest of the batch is applied."""
    try:
        return await original_parser(records)
    except UnicodeDecodeError:
        cleaned = tuple(dataclasses.replace(r, headers=[(k, v) for k, v in r.headers if _is_utf8(v)])
                        for r in records)
        message = await original_parser(cleaned)
        message.raw_message = records
        return message


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


def _record_lag(service: str, message: KafkaMessage, records: Sequence) -> None:
    """Publish how far behind each partition of the batch this consumer is (for autoscaling)."""
    highwater = getattr(getattr(message, "consumer", None), "highwater", None)
    if highwater is None:
        return
    last: dict[tuple[str, int], int] = {}
    for record in records:
        last[(record.topic, record.partition)] = max(record.offset, last.get((record.topic, record.partition), -1))
    for (topic, partition), offset in last.items():
        try:
            end = highwater(TopicPartition(topic, partition))
        except Exception:  # noqa: BLE001 - the test broker and a rebalance have no highwater
            continue
        if end is not None:
            CONSUMER_LAG.labels(service, topic, str(partition)).set(max(end - offset - 1, 0))


async def _leave_to_the_pipeline(message, original=None) -> list:
    """Decode nothing: EventConsumer decodes each record itself, so that one bad record is
    dead-lettered instead of failing the whole batch in faststream's validation."""
    return []


def _document_payloads(handler, models: Sequence[type]) -> None:
    """Annotate the handler's (always empty) `events` parameter with the payloads the service
    handles: faststream's AsyncAPI generator reads the schema from that annotation."""
    payload = list[Union[tuple(models)]] if models else list  # noqa: UP007 - built at runtime
    handler.__annotations__ = {**handler.__annotations__, "events": payload}
    handler.__signature__ = inspect.signature(handler).replace(parameters=[
        inspect.Parameter("events", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=payload),
    ])


def _flatten(raw) -> tuple:
    """The batch's records: aiokafka hands a tuple of records, faststream's test broker a
    tuple holding a list of them."""
    if not isinstance(raw, (tuple, list)):
        return (raw,)
    return tuple(record for item in raw for record in _flatten(item))


class _Backoff:
    def __init__(self, first: float = 0.1, limit: float = 5.0) -> None:
        self._first, self._limit, self._delay = first, limit, first

    def next(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self._limit)
        return delay

    def reset(self) -> None:
        self._delay = self._first
