"""`hotline topics`: one replica is refused in production with what to set; three replicas get
min.insync.replicas 2."""

import subprocess
import sys
from typing import ClassVar

import pytest

from hotline import provision
from hotline.provision import ReplicationRefused, create_topics
from shared.contracts.topics import TOPICS
from shared.settings import Settings

PRODUCTION = dict(env="production", secret_key="s" * 40, jwt_algorithm="EdDSA", jwt_jwks_file="/keys/jwks.json")


class FakeAdmin:
    created: ClassVar[list[object]] = []

    def __init__(self, **_options) -> None:
        pass

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def list_topics(self) -> list[str]:
        return []

    async def create_topics(self, new_topics) -> None:
        FakeAdmin.created = list(new_topics)


@pytest.fixture
def admin(monkeypatch):
    FakeAdmin.created = []
    monkeypatch.setattr(provision, "AIOKafkaAdminClient", FakeAdmin)
    return FakeAdmin


async def test_production_refuses_one_replica_and_says_what_to_set(admin):
    with pytest.raises(ReplicationRefused, match="HOTLINE_TOPIC_REPLICATION=3"):
        await create_topics(Settings(**PRODUCTION))
    assert admin.created == [], "nothing is created once refused"


async def test_three_replicas_in_production_with_two_in_sync(admin):
    created = await create_topics(Settings(**PRODUCTION, topic_replication=3))
    assert len(created) == len(TOPICS)
    for topic in admin.created:
        assert topic.replication_factor == 3
        assert topic.topic_configs["min.insync.replicas"] == "2"


async def test_development_keeps_its_single_broker(admin):
    await create_topics(Settings(env="development"))
    assert {t.replication_factor for t in admin.created} == {1}
    assert {t.topic_configs["min.insync.replicas"] for t in admin.created} == {"1"}


def test_the_command_refuses_with_the_reason_and_no_traceback():
    env = {"PATH": "/usr/bin:/bin", "HOTLINE_ENV": "production", "HOTLINE_SECRET_KEY": "s" * 40,
           "HOTLINE_JWT_ALGORITHM": "EdDSA", "HOTLINE_JWT_JWKS_FILE": "/keys/jwks.json",
           "HOTLINE_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "topics"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "HOTLINE_TOPIC_REPLICATION=3" in done.stderr and "Traceback" not in done.stderr


def test_a_service_refuses_to_start_in_production_without_secrets_and_says_what_to_set():
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "run", "routing"], env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "HOTLINE_SECRET_KEY" in done.stderr and "HOTLINE_ENV=development" in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_broker_refusal_is_not_reported_as_created(admin, monkeypatch):
    from hotline.provision import TopicsRefused

    class Refused:
        topic_errors: ClassVar[list[tuple[str, int, str]]] = [("hotline.intake.v1", 29, "Authorization failed.")]

    async def refuse(self, new_topics):
        return Refused()

    monkeypatch.setattr(FakeAdmin, "create_topics", refuse)
    with pytest.raises(TopicsRefused, match="may not create topics"):
        await create_topics(Settings(env="development"))
