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

from shared import hashing
from shared.clock import SYSTEM_CLOCK, Clock
from shared.consumer import EventConsumer, Handler
from shared.contracts.events import EVENT_TYPES, Event
from shared.contracts.topics import TOPICS, dead_letter_topic
from shared.db import create_pool
from shared.http import install_common_routes, serve_metrics
from shared.inbox_retention import keep_inbox_pruned
from shared.kafka.dead_letters import DeadLetterPublisher
from shared.kafka.offsets import OffsetCommits
from shared.kafka.producer import RecordSender, create_broker
from shared.kafka.security import client_options
from shared.kafka.subscription import subscribe
from shared.loop_lag import measure_loop_lag
from shared.migrations import SHARED_MIGRATIONS, discover
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
    # What /readyz requires; the other dependency is reported but does not take the service
    # out of rotation. Intake's HTTP entrance needs only PostgreSQL (its outbox holds what
    # Kafka cannot take yet), so intake says ("database",).
    ready_needs: tuple[str, ...] = ("database", "kafka")


# Shutdown, step by step, each bounded (seconds). With uvicorn's drain of open requests
# (HTTP_DRAIN_SECONDS) and the preStop pause of the manifests they stay under the pod's
# terminationGracePeriodSeconds (tests/unit/shared/test_shared_shutdown_budget.py adds them up).
SHUTDOWN_STEPS: dict[str, float] = {
    "background loops": 1.0,  # cancelled; each ends at its next await
    "outbox relay": 5.0,  # ends its cycle and publishes what is stored
    "relay producer": 2.0,  # flushes and closes
    "offset commits": 3.0,  # the last processed offsets (a miss means a re-read the inbox skips)
    "consumers": 4.0,  # leave the groups, so the partitions move at once
    "database pool": 2.0,  # idle connections close; busy ones are terminated
}
HTTP_DRAIN_SECONDS = 3.0
# How often start-up looks again for a missing migration or topic, and logs what it waits for.
PREREQUISITE_POLL_SECONDS = 2.0


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
        self.waiting_for: str | None = None  # what start-up still waits for (a migration, a topic)

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
        units_of_work = UnitOfWorkFactory(pool, self.spec.name, self.relay.wake)
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
        await _bounded("background loops", self._await_cancelled(self._tasks), self.spec.name)
        if self._relaying:
            await self._finish_relaying(self._relaying, SHUTDOWN_STEPS["outbox relay"])
        if self.sender:
            await _bounded("relay producer", self.sender.stop(), self.spec.name)
        await _bounded("offset commits", self.commits.close(), self.spec.name)
        await _bounded("consumers", self.broker.stop(), self.spec.name)
        if self.context:
            pool = self.context.pool
            if not await _bounded("database pool", pool.close(), self.spec.name):
                pool.terminate()

    @staticmethod
    async def _await_cancelled(tasks: list[asyncio.Task[None]]) -> None:
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def dead_parts(self) -> dict[str, str]:
        """The parts that should be running and are not (for /healthz), by name."""
        if self._stopping or self.context is None:
            return {}
        dead: dict[str, str] = {}
        if self._relaying is not None and self._relaying.done():
            dead["outbox relay"] = _ended(self._relaying)
        for task in self._tasks:
            # a loop that returned did its job (a one-off rebuild at start); one that raised or
            # was cancelled by someone else is dead
            if task.done() and (task.cancelled() or task.exception() is not None):
                dead[task.get_name()] = _ended(task)
        for subscriber in getattr(self.broker, "subscribers", ()):
            tasks = getattr(subscriber, "tasks", None)
            if getattr(subscriber, "running", False) and tasks is not None and tasks and all(t.done() for t in tasks):
                dead[f"consumer {', '.join(getattr(subscriber, 'topic_names', []) or ['?'])}"] = _ended(tasks[-1])
        return dead

    def expected_topics(self) -> list[str]:
        """The physical topics this service reads and writes, which must exist before it starts."""
        names = {*self.spec.consumes, *(t.name for t in TOPICS if t.writer == self.spec.name)}
        if self.spec.consumes:
            names.add(dead_letter_topic(self.spec.name))
        return sorted(self.settings.topic(n) for n in names)

    async def missing_prerequisites(self) -> str | None:
        """What is not there yet: a migration of this service's schema or a topic (None: all is)."""
        assert self.context is not None
        planned = {(m.source, m.version) for m in
                   discover("shared", SHARED_MIGRATIONS) + discover(self.spec.name, self.spec.migrations)}
        try:
            rows = await self.context.pool.fetch(f"SELECT source, version FROM {self.spec.name}.schema_migrations")
        except asyncpg.UndefinedTableError:
            rows = []
        except asyncpg.InvalidSchemaNameError:
            rows = []
        missing = sorted(planned - {(r["source"], r["version"]) for r in rows})
        if missing:
            return (f"{len(missing)} migration(s) of schema {self.spec.name} not applied "
                    f"(first: {missing[0][0]} {missing[0][1]:03d}); run `hotline migrate {self.spec.name}`")
        absent = await _absent_topics(self.settings, self.expected_topics())
        if absent:
            return (f"topic(s) {', '.join(absent)} do not exist or this identity may not see them; run "
                    "`hotline topics` (and `hotline acls --apply` on a cluster with ACLs), or check "
                    "HOTLINE_KAFKA_SECURITY_PROTOCOL and the SASL credentials")
        return None

    async def wait_for_prerequisites(self, poll: float = PREREQUISITE_POLL_SECONDS) -> None:
        """Wait, not ready, until the schema version and the topics exist. Starting without
        them sent the first events of a fresh install to the dead letters."""
        while (missing := await self.missing_prerequisites()) is not None:
            if missing != self.waiting_for:
                log.warning("%s: waiting before consuming: %s", self.spec.name, missing)
            self.waiting_for = missing
            await asyncio.sleep(poll)
        self.waiting_for = None

    async def _finish_relaying(self, relaying: asyncio.Task[None], timeout: float = 5.0) -> None:
        """Let the relay end its cycle and publish what the last transactions stored before its
        producer stops. Cancelling it mid-cycle sent some events twice at the next start, and
        left the rest waiting for another replica's poll or for this service's return. Bounded:
        with Kafka or PostgreSQL gone, the rows wait in the outbox for the next start."""
        assert self.relay is not None
        if relaying.done():  # it died earlier (what /healthz reported): nothing to finish
            log.warning("%s: the outbox relay had already %s", self.spec.name, _ended(relaying))
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


def create_app(spec: ServiceSpec, settings: Settings | None = None, *, own_process: bool = False) -> FastAPI:
    """The service as an ASGI app. `own_process`: the app is all its process runs (`hotline run`),
    so what start-up created is frozen out of the garbage collector's reach once it is up, and
    it serves /metrics on its own port."""
    settings = settings or Settings()
    runtime = ServiceRuntime(spec, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics = None
        if own_process and (port := settings.metrics_port_for(spec.name)):
            metrics = serve_metrics(settings.http_host, port)
        try:
            app.state.context = await runtime.open()
            await runtime.broker.start()
            await runtime.start_relay()
            if own_process:  # not in a test process, whose objects come and go with each test
                _keep_startup_objects_out_of_collections()
            log.info("%s started", spec.name)
            yield
        finally:
            await runtime.close()
            if metrics is not None:
                metrics.shutdown()

    app = FastAPI(title=f"hotline {spec.name}", description=spec.description, lifespan=lifespan)
    app.state.runtime = runtime
    checks = {"database": lambda: runtime.database_ready(), "kafka": lambda: runtime.kafka_ready()}
    install_common_routes(
        app, spec.name, {k: v for k, v in checks.items() if k in spec.ready_needs},
        optional={k: v for k, v in checks.items() if k not in spec.ready_needs},
        liveness={"parts": lambda: "; ".join(f"{k}: {v}" for k, v in runtime.dead_parts().items()) or None},
        waiting=lambda: runtime.waiting_for, details=runtime.readiness_details,
        hsts=not settings.development)
    for router in spec.routers:
        app.include_router(router)
    return app


async def wait_until_provisioned(spec: ServiceSpec, settings: Settings, timeout: float) -> str | None:
    """`hotline wait <service>` (the Deployments' init container): wait until the service's
    migrations and topics exist; None when they do, else what is still missing at `timeout`."""
    pool = await create_pool(settings.database_url, spec.name, min_size=1, max_size=1)
    runtime = ServiceRuntime(spec, settings)
    runtime.context = ServiceContext(settings, pool, runtime.broker, None)  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(runtime.wait_for_prerequisites(), timeout)
        return None
    except TimeoutError:
        return runtime.waiting_for or "the schema and topics (not checked in time)"
    finally:
        await pool.close()


async def _bounded(step: str, work: Awaitable[object], service: str) -> bool:
    """Run one shutdown step within its bound; False (and a warning) if it did not finish."""
    try:
        await asyncio.wait_for(work, SHUTDOWN_STEPS[step])
        return True
    except TimeoutError:
        log.warning("%s: shutdown step %r not done in %.0f s; going on", service, step, SHUTDOWN_STEPS[step])
    except Exception as exc:  # noqa: BLE001 - one failed step must not skip the others
        log.warning("%s: shutdown step %r failed: %r", service, step, exc)
    return False


def _ended(task: asyncio.Task[Any]) -> str:
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    return f"ended: {exc!r}" if exc is not None else "ended"


async def _absent_topics(settings: Settings, topics: list[str]) -> list[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=5000)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
    except Exception as exc:  # noqa: BLE001 - Kafka unreachable: wait, as for a missing topic
        return [f"(Kafka unreachable: {type(exc).__name__})"]
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    return [t for t in topics if t not in existing]


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
