"""Where the suite finds Kafka and PostgreSQL, and an isolated namespace for each run.

Order of preference: the addresses in HOTLINE_KAFKA_BOOTSTRAP / HOTLINE_DATABASE_URL (set by
`make test`, which starts the local stack); else containers through testcontainers when a
Docker engine answers; else integration tests fail under CI and are skipped elsewhere.
Each test module gets its own database and its own topic prefix, so it neither sees nor
disturbs a running demo, an earlier run or another module.
"""

import os
import socket
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from hotline.provision import create_topics, migrate_all
from shared.settings import Settings

# The suite runs the platform in its test mode, said explicitly: unset, every Settings() and
# every service process it starts would be in production and refuse the development keys.
# (`make test` exports development, which is as good.)
os.environ.setdefault("HOTLINE_ENV", "test")


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    database_url: str


def _reachable(host_port: str) -> bool:
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def _from_environment() -> Infra | None:
    kafka, db = os.environ.get("HOTLINE_KAFKA_BOOTSTRAP"), os.environ.get("HOTLINE_DATABASE_URL")
    if not (kafka and db):
        return None
    db_host = urlsplit(db)
    if _reachable(kafka.split(",")[0]) and _reachable(f"{db_host.hostname}:{db_host.port or 5432}"):
        return Infra(kafka, db)
    return None


def _from_containers(request: pytest.FixtureRequest) -> Infra | None:
    try:
        import docker

        docker.from_env().ping()
    except Exception:  # noqa: BLE001 - no engine: containers are not an option
        return None
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.postgres import PostgresContainer

    postgres = PostgresContainer("postgres:15", dbname="hotline").start()
    kafka = KafkaContainer("apache/kafka:4.1.1").start()
    request.addfinalizer(postgres.stop)
    request.addfinalizer(kafka.stop)
    return Infra(kafka.get_bootstrap_server(), postgres.get_connection_url(driver=None))


@pytest.fixture(scope="session")
def infra(request: pytest.FixtureRequest) -> Infra:
    found = _from_environment() or _from_containers(request)
    if found is None:
        reason = ("no Kafka/PostgreSQL: set HOTLINE_KAFKA_BOOTSTRAP and HOTLINE_DATABASE_URL to a running "
                  "stack (`make stack`), or run where a Docker engine answers")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
async def settings(infra: Infra):
    """Settings for one test module: a fresh database with every schema migrated, and fresh
    topics, so no module sees what another one left behind (lists, feeds, topic contents)."""
    run = uuid.uuid4().hex[:10]
    admin_url = infra.database_url
    parts = urlsplit(admin_url)
    test_db = f"hotline_test_{run}"
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f"CREATE DATABASE {test_db}")
    await conn.close()
    test_settings = Settings(
        env="test", kafka_bootstrap=infra.kafka_bootstrap,
        database_url=urlunsplit(parts._replace(path=f"/{test_db}")),
        topic_prefix=f"test-{run}.", relay_poll_seconds=0.2,
    )
    await migrate_all(test_settings)
    await create_topics(test_settings)
    yield test_settings
    await _drop(admin_url, test_db)
    await _delete_topics(test_settings)


async def _drop(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    finally:
        await conn.close()


async def _delete_topics(settings: Settings) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        ours = [n for n in existing if n.startswith(settings.topic_prefix)]
        if ours:
            await admin.delete_topics(ours)
    except Exception:  # noqa: BLE001 - cleanup must not fail the run
        pass
    finally:
        await admin.close()


@pytest.fixture
async def db(settings: Settings):
    """A plain connection to this run's database (tests qualify tables with the schema)."""
    conn = await asyncpg.connect(settings.database_url)
    yield conn
    await conn.close()



def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by folder, so `-m "not integration and not e2e"` selects the fast ones."""
    for item in items:
        path = str(item.path)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        elif f"{os.sep}e2e{os.sep}" in path:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the reliability scenarios' counts (see tests/e2e/scenarios.py)."""
    from tests.e2e.scenarios import OUTCOMES

    if OUTCOMES:
        terminalreporter.section("reliability scenarios")
        for outcome in OUTCOMES:
            terminalreporter.write_line(outcome.line())
