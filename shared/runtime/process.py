"""ServiceRuntime: the moving parts of one service process (pool, consumer, outbox relay,
background loops), opened, started and closed together."""

import asyncio
import logging
from typing import Any, Union

from faststream.kafka import KafkaBroker

from shared import hashing
from shared.consumer import EventConsumer
from shared.contracts.events import EVENT_TYPES
from shared.contracts.topics import TOPICS, dead_letter_topic
from shared.db import create_pool
from shared.inbox_retention import keep_inbox_pruned
from shared.kafka.dead_letters import DeadLetterPublisher
from shared.kafka.offsets import OffsetCommits
from shared.kafka.producer import RecordSender, create_broker
from shared.kafka.subscription import subscribe
from shared.loop_lag import measure_loop_lag
from shared.outbox import OutboxRelay
from shared.runtime.prerequisites import PREREQUISITE_POLL_SECONDS, Prerequisites
from shared.runtime.shutdown import SHUTDOWN_STEPS, await_cancelled, bounded, ended
from shared.runtime.spec import ServiceContext, ServiceSpec
from shared.settings import Settings
from shared.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("shared.runtime")


class ServiceRuntime:
    """The moving parts of one service, started and stopped together."""

    def __init__(self, spec: ServiceSpec, settings: Settings, broker: KafkaBroker | None = None):
        self.spec = spec
        self.settings = settings
        self.broker = broker or create_broker(settings, spec.name)
        self.context: ServiceContext | None = None
        self.relay: OutboxRelay | None = None
        self.sender: RecordSender | None = None
        self.commits = OffsetCommits(spec.name, settings.offset_commit_seconds)
        self._relaying: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []  # the lag probe, inbox retention, the spec's background loops
        self._stopping = False
        self.prerequisites = Prerequisites(spec, settings)

    async def open(self) -> ServiceContext:
        """Connect to the database, wait until the schema and topics exist, and declare the
        subscribers; the broker is not started yet."""
        hashing.configure(self.settings)  # argon2 parameters and the bounded hash pool
        pool = await create_pool(
            self.settings.database_url, self.spec.name,
            min_size=self.settings.db_pool_min, max_size=self.settings.db_pool_max,
            statement_cache_size=self.settings.db_statement_cache_size,
        )
        self.sender = sender = RecordSender(self.settings, self.spec.name)
        self.relay = OutboxRelay(
            self.spec.name, pool,
            lambda topic, *rest: sender(self.settings.topic(topic), *rest),
            batch_size=self.settings.relay_batch_size, poll_seconds=self.settings.relay_poll_seconds,
        )
        before_store = self.spec.before_store(self.settings) if self.spec.before_store is not None else None
        units_of_work = UnitOfWorkFactory(pool, self.spec.name, self.relay.wake, before_store)
        self.context = ServiceContext(self.settings, pool, self.broker, units_of_work, self.settings.clock())
        # Before anything reads the schema or a topic: a fresh install's migrations and topics
        # may still be on their way (the set-up Jobs run beside the services).
        await self.wait_for_prerequisites()
        if self.spec.prepare is not None:
            await self.spec.prepare(self.context)
        self.declare(self.context)
        return self.context

    def readiness_details(self) -> dict[str, Any]:
        if self.spec.readiness_details is None or self.context is None:
            return {}
        return self.spec.readiness_details(self.context)

    def declare(self, context: ServiceContext) -> None:
        """Declare the subscription and the publishers on the broker (no I/O happens here)."""
        topic = self.settings.topic
        if self.spec.consumes:
            consumer = EventConsumer(
                self.spec.name, context.units_of_work, self.spec.handlers(context),
                DeadLetterPublisher(self.broker, self.spec.name, topic(dead_letter_topic(self.spec.name))),
                default_types={topic(t): kind for t, kind in self.spec.default_types.items()},
            )
            subscribe(self.broker, consumer, [topic(t) for t in self.spec.consumes],
                      group_id=topic(f"hotline-{self.spec.name}"),
                      max_records=self.settings.consumer_batch_size, description=self.spec.description,
                      commits=self.commits)
        # The relay publishes with its own producer (RecordSender); these declarations document each owned
        # topic and its payloads in the AsyncAPI document.
        for owned in (t for t in TOPICS if t.writer == self.spec.name):
            models = [m for m in EVENT_TYPES.values() if m.topic == owned.name]
            self.broker.publisher(
                topic(owned.name), title=f"{owned.name}:publish",
                schema=Union[tuple(models)] if models else bytes,  # noqa: UP007 - built at runtime
                description="Records this service could never process: original bytes and headers, "
                "plus hotline_dlq_reason / _service / _source / _time headers" if not models else None,
            )

    async def start_relay(self) -> None:
        """Start the outbox relay, the event-loop lag probe, inbox retention and the service's background loops."""
        assert self.relay is not None and self.sender is not None and self.context is not None
        await self.sender.start()
        self._relaying = asyncio.create_task(self.relay.run(), name=f"{self.spec.name}-outbox-relay")
        self._tasks = [asyncio.create_task(measure_loop_lag(self.spec.name), name=f"{self.spec.name}-loop-lag")]
        if self.spec.consumes and self.settings.inbox_retention_days:
            self._tasks.append(asyncio.create_task(
                keep_inbox_pruned(self.spec.name, self.context.pool, self.settings.inbox_retention_days,
                                  self.settings.inbox_prune_seconds),
                name=f"{self.spec.name}-inbox-retention"))
        for loop in self.spec.background:
            self._tasks.append(asyncio.create_task(loop(self.context), name=f"{self.spec.name}-{loop.__name__}"))

    async def close(self) -> None:
        """Stop every part, each step within its SHUTDOWN_STEPS bound: a step that hangs (a
        broker gone, a connection stuck) is abandoned with a warning, and the next goes on."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await bounded("background loops", await_cancelled(self._tasks), self.spec.name)
        if self._relaying:
            await self._finish_relaying(self._relaying, SHUTDOWN_STEPS["outbox relay"])
        if self.sender:
            await bounded("relay producer", self.sender.stop(), self.spec.name)
        await bounded("offset commits", self.commits.close(), self.spec.name)
        await bounded("consumers", self.broker.stop(), self.spec.name)
        if self.context:
            pool = self.context.pool
            if not await bounded("database pool", pool.close(), self.spec.name):
                pool.terminate()

    def dead_parts(self) -> dict[str, str]:
        """The parts that should be running and are not (for /healthz), by name."""
        if self._stopping or self.context is None:
            return {}
        dead: dict[str, str] = {}
        if self._relaying is not None and self._relaying.done():
            dead["outbox relay"] = ended(self._relaying)
        for task in self._tasks:
            # a loop that returned did its job (a one-off rebuild at start); one that raised or
            # was cancelled by someone else is dead
            if task.done() and (task.cancelled() or task.exception() is not None):
                dead[task.get_name()] = ended(task)
        for subscriber in getattr(self.broker, "subscribers", ()):
            tasks = getattr(subscriber, "tasks", None)
            if getattr(subscriber, "running", False) and tasks is not None and tasks and all(t.done() for t in tasks):
                dead[f"consumer {', '.join(getattr(subscriber, 'topic_names', []) or ['?'])}"] = ended(tasks[-1])
        return dead

    @property
    def waiting_for(self) -> str | None:
        """What start-up still waits for (a migration, a topic), for /readyz."""
        return self.prerequisites.waiting_for

    async def wait_for_prerequisites(self, poll: float = PREREQUISITE_POLL_SECONDS) -> None:
        """Wait, not ready, until the schema version and the topics exist."""
        assert self.context is not None
        await self.prerequisites.wait(self.context.pool, poll)

    async def _finish_relaying(self, relaying: asyncio.Task[None], timeout: float = 5.0) -> None:
        """Let the relay end its cycle and publish what the last transactions stored before its
        producer stops. Cancelling it mid-cycle sent some events twice at the next start, and
        left the rest waiting for another replica's poll or for this service's return. Bounded:
        with Kafka or PostgreSQL gone, the rows wait in the outbox for the next start."""
        assert self.relay is not None
        if relaying.done():  # it died earlier (what /healthz reported): nothing to finish
            log.warning("%s: the outbox relay had already %s", self.spec.name, ended(relaying))
            return
        self.relay.stop()
        try:
            await asyncio.wait_for(relaying, timeout)
        except TimeoutError:
            log.warning("%s: stored events not all published at shutdown; they go out at the next start",
                        self.spec.name)

    async def database_ready(self) -> bool:
        return self.context is not None and await self.context.pool.fetchval("SELECT 1") == 1

    async def kafka_ready(self) -> bool:
        return await self.broker.ping(timeout=1.5)
