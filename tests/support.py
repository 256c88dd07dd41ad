"""Test support shared by the service test suites: run a service in-process, mint tokens."""

import contextlib
from collections.abc import AsyncIterator

import httpx

from shared.auth import issue_token
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings


@contextlib.asynccontextmanager
async def running_service(spec: ServiceSpec, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Start a whole service in this process (consumers, outbox relay, HTTP app) against the
    test run's Kafka and PostgreSQL; yield an HTTP client for its API."""
    app = create_app(spec, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{spec.name}") as client:
            client.app = app  # type: ignore[attr-defined]  # tests may reach app.state.context (pool, settings)
            yield client


def bearer(settings: Settings, role: str, unit_code: str | None = None, subject: str = "tester") -> dict[str, str]:
    """An Authorization header with a development token for `role` (and `unit_code`)."""
    return {"Authorization": f"Bearer {issue_token(settings, subject, role, unit_code)}"}
