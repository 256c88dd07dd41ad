"""Before a service consumes: its schema's migrations applied and its topics there.

Starting without them sent the first events of a fresh install to the dead letters; the
set-up Jobs run beside the services, so a service waits, not ready, saying what it waits for.
"""

import asyncio
import contextlib
import logging

import asyncpg

from shared.contracts.topics import TOPICS, dead_letter_topic
from shared.db import create_pool
from shared.kafka.security import client_options
from shared.migrations import SHARED_MIGRATIONS, discover
from shared.runtime.spec import ServiceSpec
from shared.settings import Settings

log = logging.getLogger("shared.runtime")

# How often start-up looks again for a missing migration or topic, and logs what it waits for.
PREREQUISITE_POLL_SECONDS = 2.0


class Prerequisites:
    """What one service needs before it consumes, and what it still waits for (`waiting_for`)."""

    def __init__(self, spec: ServiceSpec, settings: Settings):
        self.spec = spec
        self.settings = settings
        self.waiting_for: str | None = None

    def expected_topics(self) -> list[str]:
        """The physical topics this service reads and writes, which must exist before it starts."""
        names = {*self.spec.consumes, *(t.name for t in TOPICS if t.writer == self.spec.name)}
        if self.spec.consumes:
            names.add(dead_letter_topic(self.spec.name))
        return sorted(self.settings.topic(n) for n in names)

    async def missing(self, pool: asyncpg.Pool) -> str | None:
        """What is not there yet: a migration of this service's schema or a topic (None: all is)."""
        planned = {(m.source, m.version) for m in
                   discover("shared", SHARED_MIGRATIONS) + discover(self.spec.name, self.spec.migrations)}
        try:
            rows = await pool.fetch(f"SELECT source, version FROM {self.spec.name}.schema_migrations")
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
            rows = []
        missing = sorted(planned - {(r["source"], r["version"]) for r in rows})
        if missing:
            return (f"{len(missing)} migration(s) of schema {self.spec.name} not applied "
                    f"(first: {missing[0][0]} {missing[0][1]:03d}); run `hotline migrate {self.spec.name}`")
        absent = await absent_topics(self.settings, self.expected_topics())
        if absent:
            return (f"topic(s) {', '.join(absent)} do not exist or this identity may not see them; run "
                    "`hotline topics` (and `hotline acls --apply` on a cluster with ACLs), or check "
                    "HOTLINE_KAFKA_SECURITY_PROTOCOL and the SASL credentials")
        return None

    async def wait(self, pool: asyncpg.Pool, poll: float = PREREQUISITE_POLL_SECONDS) -> None:
        """Wait until the schema version and the topics exist, logging what is missing when it changes."""
        while (missing := await self.missing(pool)) is not None:
            if missing != self.waiting_for:
                log.warning("%s: waiting before consuming: %s", self.spec.name, missing)
            self.waiting_for = missing
            await asyncio.sleep(poll)
        self.waiting_for = None


async def wait_until_provisioned(spec: ServiceSpec, settings: Settings, timeout: float) -> str | None:
    """`hotline wait <service>` (the Deployments' init container): wait until the service's
    migrations and topics exist; None when they do, else what is still missing at `timeout`."""
    pool = await create_pool(settings.database_url, spec.name, min_size=1, max_size=1)
    prerequisites = Prerequisites(spec, settings)
    try:
        await asyncio.wait_for(prerequisites.wait(pool), timeout)
        return None
    except TimeoutError:
        return prerequisites.waiting_for or "the schema and topics (not checked in time)"
    finally:
        await pool.close()


async def absent_topics(settings: Settings, topics: list[str]) -> list[str]:
    """The topics of the list the broker does not show this identity."""
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
