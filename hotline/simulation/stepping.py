"""When has every service caught up? The condition a stepped clock waits for before it moves.

The platform is idle at virtual instant T when nothing it holds would still act at T:

1. every consumer group has **committed** the end offset of every partition it reads (its
   handlers ran and their transactions committed: offsets are committed only after that),
2. nothing is due on the clock alone: sla's poller has no step due at T (`next_fire_at <= T`),
   intake has no answer offered at intake still unconfirmed after `answer_wait_seconds` (its
   upkeep loop dispatches those); each acts on its next poll,
3. every service's **outbox** is empty (the relay published what the handlers wrote),
4. and the end offsets did not move while 1-3 were looked at.

Checked in this order, the four cannot all hold while work is in flight: a record a relay
publishes after (1) moves the end offsets (4); a poller that commits after (2) leaves rows in
the outbox (3), or, when its relay was quicker, records past the end offsets of (1), and a
consumer can only write its outbox while reading a record past (1). The simulation adds its own
part: its watcher has read (and handled) everything up to the end offsets, and whatever it
sent is flushed before it asks.

Services commit offsets every HOTLINE_OFFSET_COMMIT_SECONDS; a stepped run sets it short
(hotline/demo.py), or each step would wait a second for the last commit; likewise sla's poll
and intake's upkeep loop.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.security import client_options
from shared.settings import Settings

# The simulation's own reading: has it read (and handled) everything up to these end offsets?
OwnPosition = Callable[[dict[TopicPartition, int]], Awaitable[bool]]


class NotCaughtUp(TimeoutError):
    pass


class Platform:
    """Reads the services' progress from Kafka and PostgreSQL (never from the services)."""

    def __init__(self, settings: Settings, groups: Mapping[str, Iterable[str]], schemas: Iterable[str],
                 extra_topics: Iterable[str] = ()):
        self.settings = settings
        # consumer group -> the physical topics it reads
        self.groups = {settings.topic(f"hotline-{name}"): [settings.topic(t) for t in topics]
                       for name, topics in groups.items()}
        self.schemas = list(schemas)
        self.extra_topics = list(extra_topics)  # read by the simulation itself (physical names)
        self.checks = 0  # how often the condition was evaluated (for the report's footnote)

    async def start(self) -> None:
        options = client_options(self.settings)
        self._admin = AIOKafkaAdminClient(**options)
        await self._admin.start()
        self._offsets = AIOKafkaConsumer(**options, enable_auto_commit=False)  # no group: end offsets only
        await self._offsets.start()
        self._partitions: list[TopicPartition] = []
        for topic in sorted({t for topics in self.groups.values() for t in topics} | set(self.extra_topics)):
            for p in sorted(self._offsets.partitions_for_topic(topic) or await self._partitions_of(topic)):
                self._partitions.append(TopicPartition(topic, p))
        self._db = await asyncpg.connect(self.settings.database_url)
        outboxes = " + ".join(f"(SELECT count(*) FROM {s}.outbox)" for s in self.schemas)
        self._outbox_sql = f"SELECT {outboxes}"
        self._answer_wait = timedelta(seconds=self.settings.answer_wait_seconds)
        self._timers_sql = ("SELECT EXISTS (SELECT 1 FROM sla.deadlines WHERE next_fire_at <= $1)"
                            " OR EXISTS (SELECT 1 FROM intake.answer_offers WHERE concluded IS NULL AND offered_at < $2)")

    async def _partitions_of(self, topic: str) -> set[int]:
        await self._offsets._client.force_metadata_update()
        return self._offsets.partitions_for_topic(topic) or set()

    async def stop(self) -> None:
        await self._offsets.stop()
        await self._admin.close()
        await self._db.close()

    async def end_offsets(self) -> dict[TopicPartition, int]:
        return await self._offsets.end_offsets(self._partitions)

    async def timers_due(self, at: datetime) -> bool:
        """Whether something acts on the clock alone by `at`: a step of sla's ladder, or an answer
        intake offered at intake that nobody confirmed within its wait (dispatched then)."""
        return bool(await self._db.fetchval(self._timers_sql, at, at - self._answer_wait))

    async def caught_up(self, at: datetime, own_position: OwnPosition | None = None) -> bool:
        """One look at conditions 1-4 (and the simulation's own reading, `own_position`)."""
        self.checks += 1
        before = await self.end_offsets()
        offsets = await asyncio.gather(*(self._admin.list_consumer_group_offsets(g) for g in self.groups))
        for topics, committed in zip(self.groups.values(), offsets, strict=True):
            for tp, end in before.items():
                if tp.topic in topics and end > 0:
                    meta = committed.get(tp)
                    if meta is None or meta.offset < end:
                        return False
        if own_position is not None and not await own_position(before):
            return False
        if await self.timers_due(at):
            return False
        if await self._db.fetchval(self._outbox_sql):
            return False
        return await self.end_offsets() == before

    async def settle(self, at: datetime, own_position: OwnPosition | None = None, *, timeout: float = 300.0, pause: float = 0.02) -> float:
        """Wait until the platform has caught up with instant `at`; returns the seconds waited."""
        began = time.monotonic()
        while not await self.caught_up(at, own_position):
            if time.monotonic() - began > timeout:
                raise NotCaughtUp(f"the platform did not catch up with {at.isoformat()} in {timeout:.0f} s")
            await asyncio.sleep(pause)
        return time.monotonic() - began
