"""Feeding batches of records to an EventConsumer, committing offsets only after success."""

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.consumer import EventConsumer
from shared.kafka.faststream_compat import (
    current_message,
    document_payloads,
    install_batch_poll,
    tolerate_undecodable_headers,
)
from shared.kafka.offsets import OffsetCommits
from shared.loops import Backoff
from shared.metrics import CONSUMER_LAG, HANDLER_ERRORS

log = logging.getLogger(__name__)

# How long one poll waits for records; it returns as soon as any arrive, so this bounds only
# how often an idle consumer loops (and how long a stop waits for the poll to end).
_POLL_MS = 200


def subscribe(
    broker: KafkaBroker,
    consumer: EventConsumer,
    topics: Iterable[str],
    *,
    group_id: str,
    max_records: int = 500,
    description: str = "",
    commits: OffsetCommits | None = None,
) -> Any:
    """Feed batches from `topics` to `consumer`, committing offsets only after success."""
    backoff = Backoff()
    commits = commits or OffsetCommits(consumer.service)

    async def on_batch(events: list[Any]) -> None:
        # `events` is always empty (see _leave_to_the_pipeline); the pipeline reads the raw records.
        message = current_message(broker)
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

    document_payloads(on_batch, consumer.handled_models)
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
        parser=tolerate_undecodable_headers,
    )
    install_batch_poll(subscriber)
    return subscriber(on_batch)


def _record_lag(service: str, message: KafkaMessage, records: Sequence[ConsumerRecord]) -> None:
    """Publish how far behind each partition of the batch this consumer is (for autoscaling)."""
    highwater: Callable[[TopicPartition], int | None] | None = getattr(
        getattr(message, "consumer", None), "highwater", None)
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


async def _leave_to_the_pipeline(message: Any, original: Any = None) -> list[Any]:
    """Decode nothing: EventConsumer decodes each record itself, so that one bad record is
    dead-lettered instead of failing the whole batch in faststream's validation."""
    return []


def _flatten(raw: Any) -> tuple[ConsumerRecord, ...]:
    """The batch's records: aiokafka hands a tuple of records, faststream's test broker a
    tuple holding a list of them."""
    if not isinstance(raw, (tuple, list)):
        return (raw,)
    return tuple(record for item in raw for record in _flatten(item))

