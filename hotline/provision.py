"""Prepare a database and a Kafka cluster for the services: schemas, migrations, topics."""

import asyncio
import logging

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hotline.classifier_cli import train as train_classifier
from hotline.registry import service_specs
from shared.contracts.topics import TOPICS
from shared.kafka.security import client_options
from shared.migrations import migrate
from shared.settings import Settings

log = logging.getLogger(__name__)


async def migrate_all(settings: Settings, names: list[str] | None = None, *,
                      undo_retired: bool = False) -> list[str]:
    specs = service_specs()
    applied: list[str] = []
    conn = await _connect(settings.database_url)
    try:
        for name in names or list(specs):
            applied += await migrate(conn, name, specs[name].migrations, undo_retired=undo_retired)
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


class TopicsRefused(ValueError):
    """`hotline topics` cannot do what it was asked; the message says what to change."""


class ReplicationRefused(TopicsRefused):
    """Topics of one replica outside development: the log is the replay source, and one lost
    disk would lose it."""


def check_replication(settings: Settings, replication_factor: int) -> None:
    if replication_factor < 3 and settings.env == "production":
        raise ReplicationRefused(
            f"refusing to create topics with replication factor {replication_factor} in production: the "
            "topics are the replay source and one broker's disk would hold all of it. Set "
            "HOTLINE_TOPIC_REPLICATION=3 (min.insync.replicas becomes 2) on a cluster of at least three "
            "brokers, or HOTLINE_ENV=development for a local stack.")


async def create_topics(settings: Settings, replication_factor: int | None = None) -> list[str]:
    """Create the registry's topics that do not exist yet; return their names.

    Replication: HOTLINE_TOPIC_REPLICATION (default 1, right for the local stack and refused in
    production; use 3 there, with min.insync.replicas 2)."""
    replication_factor = replication_factor or settings.topic_replication
    check_replication(settings, replication_factor)
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in TOPICS if settings.topic(t.name) not in existing]
        if missing:
            response = await admin.create_topics([
                NewTopic(settings.topic(t.name), num_partitions=t.partitions,
                         replication_factor=replication_factor,
                         topic_configs={"retention.ms": str(t.retention_ms),
                                        "min.insync.replicas": str(min(2, replication_factor))})
                for t in missing
            ])
            _raise_refusals(response)
            # A topic this client's metadata had not seen yet existed after all: align it too.
            existing |= {entry[0] for entry in getattr(response, "topic_errors", ())
                         if entry[1] == _TOPIC_ALREADY_EXISTS}
        await _align_retention(admin, settings, existing)
        return [settings.topic(t.name) for t in missing]
    finally:
        await admin.close()


_DYNAMIC_TOPIC_CONFIG = 1  # Kafka's ConfigSource: set on the topic itself
_UNKNOWN_TOPIC = 3


async def _align_retention(admin: AIOKafkaAdminClient, settings: Settings, existing: set[str]) -> list[str]:
    """Topics created before the registry changed their retention get the registry's (the
    submissions topic went from for ever to 7 days: docs/personal-data.md). The legacy
    AlterConfigs replaces all of a topic's own settings, so the others are sent back unchanged."""
    wanted = {settings.topic(t.name): str(t.retention_ms) for t in TOPICS if settings.topic(t.name) in existing}
    own = await _own_configs(admin, list(wanted))
    changes = [ConfigResource(ConfigResourceType.TOPIC, name, configs={**configs, "retention.ms": wanted[name]})
               for name, configs in own.items() if configs.get("retention.ms") != wanted[name]]
    if changes:
        for response in await admin.alter_configs(changes):
            for error_code, message, _type, name in response.resources:
                if error_code:
                    raise TopicsRefused(f"could not set the retention of {name}: {message or error_code}")
        log.info("retention set to the registry's on %s", ", ".join(c.name for c in changes))
    return [c.name for c in changes]


async def _own_configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's own settings. A broker that has not heard of a topic created a moment ago
    answers "unknown topic": it is asked again shortly (metadata reaches every broker soon)."""
    found: dict[str, dict[str, str]] = {}
    for _attempt in range(20):
        if not names:
            break
        unknown = []
        for response in await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names]):
            for resource in response.to_object()["resources"]:
                name = resource["resource_name"]
                if resource["error_code"] == _UNKNOWN_TOPIC:
                    unknown.append(name)
                elif resource["error_code"]:
                    raise TopicsRefused(f"could not read the settings of {name} "
                                        f"({resource['error_message'] or resource['error_code']}): "
                                        "run `hotline topics` as hotline-admin")
                else:
                    found[name] = {e["config_names"]: e["config_value"] for e in resource["config_entries"]
                                   if e["config_source"] == _DYNAMIC_TOPIC_CONFIG}
        names = unknown
        if names:
            await asyncio.sleep(0.25)
    if names:
        log.warning("retention not checked on %s: the broker does not know them yet", ", ".join(names))
    return found


_TOPIC_ALREADY_EXISTS = 36
_TOPIC_AUTHORIZATION_FAILED = 29


def _raise_refusals(response) -> None:
    """aiokafka returns the broker's per-topic errors instead of raising them: a refusal (e.g.
    an identity without CREATE on a cluster with ACLs) was reported as created."""
    refused = [(entry[0], entry[1]) for entry in getattr(response, "topic_errors", ())
               if entry[1] not in (0, _TOPIC_ALREADY_EXISTS)]
    if not refused:
        return
    if any(code == _TOPIC_AUTHORIZATION_FAILED for _, code in refused):
        raise TopicsRefused(
            f"the broker refused to create {len(refused)} topic(s) ({refused[0][0]}, ...): this Kafka identity may "
            "not create topics; run `hotline topics` as the admin identity (e.g. eval $(hotline acls --env "
            "hotline-admin) on the secure local stack)")
    raise TopicsRefused(f"the broker refused topics: {refused}")


async def fresh_environment(base: Settings, kind: str, run: str) -> Settings:
    """A new database and topic prefix on the same servers, migrated and with its topics.

    The demo and the benchmark run in one each, so their figures never mix with what an
    earlier run left behind."""
    name = f"hotline_{kind}_{run}"
    conn = await asyncpg.connect(base.database_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    head, _, _ = base.database_url.rpartition("/")
    settings = base.model_copy(update={"database_url": f"{head}/{name}", "topic_prefix": f"{kind}-{run}."})
    await migrate_all(settings)
    await create_topics(settings)
    # Intake classifies with a trained model, as a deployment does after `hotline classifier train`.
    print(f"  classifier: {await train_classifier(settings)}")
    return settings


async def drop_environments(base: Settings, kind: str, keep: Settings | None = None) -> int:
    """Drop the databases and topics of earlier `kind` runs (all but `keep`); return how many."""
    conn = await asyncpg.connect(base.database_url)
    try:
        names = [r["datname"] for r in await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"hotline\\_{kind}\\_%")]
        keep_db = keep.database_url.rpartition("/")[2] if keep else None
        for name in names:
            if name != keep_db:
                await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()
    admin = AIOKafkaAdminClient(**client_options(base))
    await admin.start()
    try:
        stale = [t for t in await admin.list_topics()
                 if t.startswith(f"{kind}-") and not (keep and t.startswith(keep.topic_prefix))]
        if stale:
            await admin.delete_topics(stale)
    finally:
        await admin.close()
    return len(names) - (1 if keep_db in names else 0)
