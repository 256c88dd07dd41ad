"""Test support shared by the service test suites: run a service in-process, mint tokens."""

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from shared.auth import issue_token
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

if TYPE_CHECKING:
    from hotline.sms import RecordingGateway


@contextlib.asynccontextmanager
async def running_service(spec: ServiceSpec, settings: Settings,
                          headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Start a whole service in this process (consumers, outbox relay, HTTP app) against the
    test run's Kafka and PostgreSQL; yield an HTTP client for its API (sending `headers` with
    every request unless a request sets its own)."""
    app = create_app(spec, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{spec.name}",
                                     headers=headers) as client:
            client.app = app  # type: ignore[attr-defined]  # tests may reach app.state.context (pool, settings)
            yield client


CHANNELS = ("phone", "phone_business_line", "web", "app")


def bearer(settings: Settings, role: str, unit_code: str | None = None, subject: str = "tester",
           channels: tuple[str, ...] = CHANNELS) -> dict[str, str]:
    """An Authorization header with a development token for `role` (and `unit_code`; a channel
    token names `channels`, all four unless told)."""
    token = issue_token(settings, subject, role, unit_code, channels=channels if role == "channel" else ())
    return {"Authorization": f"Bearer {token}"}


def channel_bearer(settings: Settings, *channels: str) -> dict[str, str]:
    """A channel adapter's Authorization header, for `channels` (all four when none is named)."""
    return bearer(settings, "channel", subject="test-channel-adapter", channels=channels or CHANNELS)


@contextlib.asynccontextmanager
async def sms_inbox(settings: Settings) -> AsyncIterator["RecordingGateway"]:
    """The test SMS gateway on the run's notifications port: what petitioners receive."""
    import asyncio
    import uuid

    from hotline.sms import RecordingGateway, deliver

    gateway, stop = RecordingGateway(), asyncio.Event()
    task = asyncio.create_task(deliver(settings, gateway, group=f"sms-test-{uuid.uuid4()}", stop=stop))
    try:
        yield gateway
    finally:
        stop.set()
        await task
