"""Starting the five services as real processes for an end-to-end module."""

import contextlib

from hotline.supervisor import Services
from shared.contracts.topics import SERVICES
from shared.settings import Settings


@contextlib.contextmanager
def five_services(settings: Settings, ports: dict[str, int], log_dir):
    """The five services on `ports`, against this module's database and topics, until the end."""
    env = {"HOTLINE_ENV": "test", "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_TOPIC_PREFIX": settings.topic_prefix,
           "HOTLINE_RELAY_POLL_SECONDS": "0.2",
           **{f"HOTLINE_{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    services = Services(list(SERVICES), log_dir, env)
    services.start()
    try:
        services.wait_ready(timeout=90)
        yield services
    finally:
        services.stop()
