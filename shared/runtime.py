"""Assembles one service process: pool, broker, consumer, outbox relay and HTTP app.

Every service describes itself with a ServiceSpec; `create_app` turns it into a FastAPI
app whose lifespan starts and stops the rest, so `uvicorn` runs the whole service.
Nothing connects at import time.
"""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from faststream.kafka import KafkaBroker

from shared.clock import SYSTEM_CLOCK, Clock
from shared.consumer import EventConsumer, Handler
from shared.contracts.events import EVENT_TYPES, Event
from shared.contracts.topics import TOPICS, dead_letter_topic
from shared.db import create_pool
from shared.http import install_common_routes
from shared.inbox_retention import keep_inbox_pruned
from shared.kafka.dead_letters import DeadLetterPublisher
from shared.kafka.offsets import OffsetCommits
from shared.kafka.producer import RecordSender, create_broker
from shared.kafka.subscription import subscribe
from shared.loop_lag import measure_loop_lag
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What handlers and routes of a running service can reach."""

    settings: Settings
    pool: asyncpg.Pool
    broker: KafkaBroker
    units_of_work: UnitOfWorkFactory
    clock: Clock = SYSTEM_CLOCK
    # What one service keeps for its process besides these (e.g. intake's loaded classifier).
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # also the PostgreSQL schema
    migrations: Path
    consumes: tuple[str, ...]
    handlers: Callable[[ServiceContext], Mapping[type[Event], Handler]]
    routers: tuple[APIRouter, ...] = ()
    default_types: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    # Long-running loops of the service besides its consumers (e.g. the SLA due-time poller),
    # started after the broker and cancelled on shutdown.
    background: tuple[Callable[[ServiceContext], Coroutine[Any, Any, None]], ...] = ()
    # Run once the database is reachable and before any consumer starts (e.g. load a model).
    prepare: Callable[[ServiceContext], Awaitable[None]] | None = None
    # Extra facts for /readyz that do not decide readiness (e.g. "classifier: keyword rules only").
    readiness_details: Callable[[ServiceContext], dict[str, Any]] | None = None


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

    async def open(self) -> ServiceContext:
        """Connect to the database and declare the subscribers; the broker is not started yet."""
        pool = await create_pool(
            self.settings.database_url, self.spec.name,
            min_size=self.settings.db_pool_min, max_size=self.settings.db_pool_max,
        )
        self.sender = sender = RecordSender(self.settings, self.spec.name)
        self.relay = OutboxRelay(
            self.spec.name, pool,
            lambda topic, *rest: sender(self.settings.topic(topic), *rest),
            batch_size=self.settings.relay_batch_size, poll_seconds=self.settings.relay_poll_seconds,
        )
        units_of_work = UnitOfWorkFactory(pool, self.spec.name, self.relay.wake)
        self.context = ServiceContext(self.settings, pool, self.broker, units_of_work, self.settings.clock())
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
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._relaying:
            await self._finish_relaying(self._relaying)
        if self.sender:
            await self.sender.stop()
        await self.commits.close()
        await self.broker.stop()
        if self.context:
            await self.context.pool.close()

    async def _finish_relaying(self, relaying: asyncio.Task[None], timeout: float = 5.0) -> None:
        """Let the relay end its cycle and publish what the last transactions stored before its
        producer stops. Cancelling it mid-cycle sent some events twice at the next start, and
        left the rest waiting for another replica's poll or for this service's return. Bounded:
        with Kafka or PostgreSQL gone, the rows wait in the outbox for the next start."""
        assert self.relay is not None
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


def create_app(spec: ServiceSpec, settings: Settings | None = None, *, own_process: bool = False) -> FastAPI:
    """The service as an ASGI app. `own_process`: the app is all its process runs (`hotline run`),
    so what start-up created is frozen out of the garbage collector's reach once it is up."""
    settings = settings or Settings()
    runtime = ServiceRuntime(spec, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.context = await runtime.open()
        await runtime.broker.start()
        await runtime.start_relay()
        if own_process:  # not in a test process, whose objects come and go with each test
            _keep_startup_objects_out_of_collections()
        log.info("%s started", spec.name)
        try:
            yield
        finally:
            await runtime.close()

    app = FastAPI(title=f"hotline {spec.name}", description=spec.description, lifespan=lifespan)
    app.state.runtime = runtime
    install_common_routes(app, spec.name, {"database": runtime.database_ready, "kafka": runtime.kafka_ready},
                          details=runtime.readiness_details)
    for router in spec.routers:
        app.include_router(router)
    return app


def _keep_startup_objects_out_of_collections() -> None:
    """Move what start-up created (modules, models, routes, pools: about 100,000 objects, most
    of a service's) out of the cyclic garbage collector's reach. Every full collection walked
    them all: 150-600 ms with the event loop stopped, every 20-60 s per service under load (in
    `hotline bench`), and an appeal that met one at any of its hops waited for it. Afterwards a
    full collection walks the few thousand objects made since: mostly 5-80 ms. Frozen objects
    are still freed when their last reference goes; only cycles among them are never collected,
    which start-up objects, living as long as the process, do not become."""
    gc.collect()  # what start-up left as garbage goes now, not frozen for ever
    gc.freeze()


def asyncapi_document(spec: ServiceSpec, settings: Settings) -> dict[str, Any]:
    """The AsyncAPI 3 document faststream generates from the service's declarations."""
    from faststream import FastStream
    from faststream.specification import AsyncAPI

    runtime = ServiceRuntime(spec, settings)
    # Handler factories only build objects; nothing touches the database while declaring.
    runtime.declare(ServiceContext(settings, None, runtime.broker, None, settings.clock()))  # type: ignore[arg-type]
    app = FastStream(runtime.broker, specification=AsyncAPI(
        title=f"hotline {spec.name}", version="1.0.0", description=spec.description))
    document: dict[str, Any] = app.schema.to_specification().to_jsonable()
    return document


def context_of(request: Request) -> ServiceContext:
    """FastAPI dependency: the running service's context."""
    context: ServiceContext = request.app.state.context
    return context
