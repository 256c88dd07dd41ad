"""Every background task of a running service outlives a database outage.

The service's pool reaches PostgreSQL through a TCP proxy the test can cut: existing connections
are dropped and new ones closed at once, as when the database restarts. The service's loops
(outbox relay, inbox retention, and the service's own: publication's attempt pruning,
assessment's rechecks and verdict rebuild, sla's due-time poller and parked-event sweeper, intake's
classifier upkeep, web-entrance pruning and contact retention) are started during the
outage, each fails, and each runs again successfully once the proxy lets connections through.
"""

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit

import pytest
from prometheus_client import REGISTRY

from hotline.registry import service_specs
from shared.runtime import ServiceRuntime
from tests.integration.helpers import eventually

COMMON = ("outbox relay", "inbox pruning")
OWN = {"publication": ("inquiry-attempt pruning",), "assessment": ("closed-month recheck", "verdict rebuild"),
       "sla": ("due-time poll", "parked-event sweep"), "intake": ("classifier upkeep", "web-entrance pruning", "contact retention")}


class CuttableProxy:
    """Forwards TCP connections to the database until cut."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.down = False
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        self.down = True
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    def restore(self) -> None:
        self.down = False

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.down:
            client_writer.transport.abort()
            return
        server_reader, server_writer = await asyncio.open_connection(self.host, self.port)
        self._links |= {client_writer, server_writer}
        await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._links.discard(writer)


def steps(service: str, task: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("hotline_background_steps_total",
                                     {"service": service, "task": task, "outcome": outcome}) or 0.0


# every service with loops of its own; the others run the common ones, tested with any of these
WITH_LOOPS = [spec for spec in service_specs().values() if spec.background]


@pytest.mark.parametrize("spec", WITH_LOOPS, ids=lambda spec: spec.name)
async def test_every_background_task_survives_a_database_outage(settings, spec):
    url = urlsplit(settings.database_url)
    proxy = CuttableProxy(url.hostname, url.port or 5432)
    port = await proxy.start()
    through_proxy = urlunsplit(url._replace(netloc=f"{url.username}@127.0.0.1:{port}"))
    runtime = ServiceRuntime(spec, settings.model_copy(update={
        "database_url": through_proxy, "inbox_retention_days": 30, "inbox_prune_seconds": 0.2,
        "classifier_poll_seconds": 0.2, "contact_retention_check_seconds": 0.2}))
    tasks = COMMON + OWN[spec.name]
    assert len(OWN[spec.name]) == len(spec.background), f"name {spec.name}'s new background task in OWN"
    failed_before = {task: steps(spec.name, task, "failed") for task in tasks}
    await runtime.open()
    try:
        proxy.cut()
        await runtime.start_relay()

        async def all_failed() -> bool:
            return all(steps(spec.name, t, "failed") > failed_before[t] for t in tasks)

        await eventually(all_failed, timeout=20, what=f"every {spec.name} task to meet the outage")
        assert all(not task.done() for task in runtime._tasks), "a background task ended"
        ok_during_outage = {task: steps(spec.name, task, "ok") for task in tasks}
        proxy.restore()

        async def all_recovered() -> bool:
            return all(steps(spec.name, t, "ok") > ok_during_outage[t] for t in tasks)

        await eventually(all_recovered, timeout=30, what=f"every {spec.name} task to run again")
        # still running, or (a one-off such as assessment's verdict rebuild) finished its work
        assert all(not task.done() or task.exception() is None for task in runtime._tasks)
    finally:
        await runtime.close()
        await proxy.stop()
