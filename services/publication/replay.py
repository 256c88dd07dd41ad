"""Rebuild the public read model from the Kafka log, from scratch (`hotline replay publication`).

Run it with the publication service stopped. It empties what is derived from events (the
read model, its timeline, the HTTP feed and the inbox), reads every consumed topic from the
beginning up to the end offsets seen at the start, and applies the records with the same
handlers as the live consumer. Nothing is published again: PublicAppealUpdated events
emitted during a replay are dropped (the public topic already has them), while the HTTP feed
gets fresh entries after the old highest cursor (the sequence is not reset), so a reader that
keeps its cursor sees each appeal's current state once more rather than missing anything.
Publication's own records are kept: evaluations, Open311 keys and tokens, rate counters.
"""

import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.publication.entrypoint import SPEC
from services.publication.handlers import event_handlers
from shared.consumer import DeadLetter, EventConsumer
from shared.contracts.envelope import Envelope
from shared.contracts.events import Event
from shared.db import create_pool
from shared.kafka.partitions import topic_partitions
from shared.kafka.security import client_options
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
_EMPTY = "TRUNCATE public_appeals, public_timeline, public_feed, inbox"


class _QuietUnitOfWork(UnitOfWork):
    """A unit of work whose events are not stored in the outbox: a replay republishes nothing."""

    def emit(self, data: Event, *, time=None) -> Envelope:
        return Envelope.wrap(data, source=self._source, time=time)


class _QuietUnitsOfWork(UnitOfWorkFactory):
    def __call__(self) -> UnitOfWork:
        return _QuietUnitOfWork(self.pool, f"/hotline/{self.service}")


async def _skip(letters: Sequence[DeadLetter]) -> None:
    # The live consumer parked these already; parking them twice would mislead whoever reads the DLQ.
    if letters:
        log.warning("replay skipped %d records that cannot be applied", len(letters))


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False


async def replay(settings: Settings) -> int:
    """Empty the read model and apply the whole log again; returns how many records were read."""
    pool = await create_pool(settings.database_url, SPEC.name, min_size=1, max_size=2)
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        await pool.execute(_EMPTY)
        applier = EventConsumer(SPEC.name, _QuietUnitsOfWork(pool, SPEC.name),
                                event_handlers(settings.pepper()), _skip)
        partitions = await topic_partitions(settings, [settings.topic(t) for t in SPEC.consumes])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        read = 0
        while await _behind(consumer, ends):
            batches = await consumer.getmany(timeout_ms=500, max_records=settings.consumer_batch_size)
            records = [r for tp, rs in batches.items() for r in rs if r.offset < ends[tp]]
            if records:
                await applier.process(records)
                read += len(records)
        log.info("replayed %d records into publication", read)
        return read
    finally:
        await consumer.stop()
        await pool.close()
