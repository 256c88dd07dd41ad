"""Prepare a database and a Kafka cluster for the services: schemas, migrations, topics."""

import asyncio
import logging

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hotline.registry import service_specs
from shared.contracts.topics import TOPICS
from shared.kafka_security import client_options
from shared.migrations import migrate
from shared.settings import Settings

log = logging.getLogger(__name__)


async def migrate_all(settings: Settings, names: list[str] | None = None) -> list[str]:
    specs = service_specs()
    applied: list[str] = []
    conn = await _connect(settings.database_url)
    try:
        for name in names or list(specs):
            applied += await migrate(conn, name, specs[name].migrations)
    finally:
        await conn.close()
    return applied


async def _connect(dsn: str) -> asyncpg.Connection:
    for attempt in range(20):
        try:
            return await asyncpg.connect(dsn)
        except (OSError, asyncpg.exceptions.CannotConnectNowError):
            if attempt == 19:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def create_topics(settings: Settings, replication_factor: int | None = None) -> list[str]:
    """Create the registry's topics that do not exist yet; return their names.

    Replication: HOTLINE_TOPIC_REPLICATION (default 1, right for the local stack; use 3 with
    min.insync.replicas 2 on a production cluster)."""
    replication_factor = replication_factor or settings.topic_replication
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in TOPICS if settings.topic(t.name) not in existing]
        if missing:
            await admin.create_topics([
                NewTopic(settings.topic(t.name), num_partitions=t.partitions,
                         replication_factor=replication_factor,
                         topic_configs={"retention.ms": str(t.retention_ms),
                                        "min.insync.replicas": str(min(2, replication_factor))})
                for t in missing
            ])
        return [settings.topic(t.name) for t in missing]
    finally:
        await admin.close()
