"""Starting the five services as real processes for an end-to-end module."""

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from hotline.supervisor import Services
from shared.contracts.topics import SERVICES
from shared.settings import Settings


@contextlib.contextmanager
def five_services(settings: Settings, ports: dict[str, int], log_dir, *,
                  replicas: dict[str, int] | None = None, env: dict[str, str] | None = None,
                  service_env: dict[str, dict[str, str]] | None = None):
    """The five services on `ports`, against this module's database and topics, until the end.

    `replicas` adds further instances ("routing#2": port) in the same consumer groups;
    `env` adds settings every process shares (e.g. a virtual clock), `service_env` those of
    one service (e.g. its Kafka identity).
    """
    env = {"HOTLINE_ENV": "test", "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_TOPIC_PREFIX": settings.topic_prefix,
           "HOTLINE_RELAY_POLL_SECONDS": "0.2",
           **{f"HOTLINE_{name.upper()}_PORT": str(port) for name, port in ports.items()},
           **(env or {})}
    services = Services([*SERVICES, *(replicas or {})], log_dir, env, ports=replicas, service_env=service_env)
    services.start()
    try:
        services.wait_ready(timeout=180)  # nine processes starting on two busy cores take their time
        yield services
    finally:
        services.stop()


class Platform:
    """An e2e module's five services on its own ports: `PLATFORM = Platform(PORTS, "name")`, then
    `platform = PLATFORM.fixture()` and `PLATFORM.url("intake", "/v1/...")`."""

    def __init__(self, ports: dict[str, int], log_folder: str) -> None:
        self.ports, self.log_folder = ports, log_folder

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def fixture(self) -> Any:
        @pytest.fixture(scope="module")
        def platform(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
            with five_services(settings, self.ports, tmp_path_factory.mktemp(self.log_folder)) as services:
                yield services

        return platform
