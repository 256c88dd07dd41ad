"""What an orchestrator sees of a service: /healthz fails when a consumer or the relay has died,
/readyz of intake's HTTP entrance needs PostgreSQL and not Kafka, a service waits (not started)
until its schema and topics exist, and /metrics answers on its own port, not the public one."""

import asyncio
import socket
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from hotline.provision import create_topics, migrate_all
from services.intake.entrypoint import SPEC as INTAKE
from services.routing.entrypoint import SPEC as ROUTING
from shared.runtime import ServiceRuntime, create_app, wait_until_provisioned


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_healthz_fails_when_the_relay_dies(settings):
    app = create_app(ROUTING, settings)
    async with app.router.lifespan_context(app), _client(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        app.state.runtime._relaying.cancel()
        await asyncio.sleep(0.05)
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert "outbox relay" in response.json()["dead"]["parts"]


async def test_healthz_fails_when_a_consumer_dies(settings):
    app = create_app(ROUTING, settings)
    async with app.router.lifespan_context(app), _client(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        subscribers = list(app.state.runtime.broker.subscribers)
        for subscriber in subscribers:
            for task in subscriber.tasks:
                task.cancel()
        await asyncio.sleep(0.05)
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert "consumer" in response.json()["dead"]["parts"]


async def test_a_one_off_loop_that_finished_is_alive_and_one_that_raised_is_not(settings):
    import dataclasses

    async def finishes(_ctx) -> None:
        return None

    async def crashes(_ctx) -> None:
        raise RuntimeError("the loop broke")

    app = create_app(dataclasses.replace(ROUTING, background=(finishes, crashes)), settings)
    async with app.router.lifespan_context(app), _client(app) as client:
        await asyncio.sleep(0.1)
        response = await client.get("/healthz")
    assert response.status_code == 503
    parts = response.json()["dead"]["parts"]
    assert "routing-crashes" in parts and "the loop broke" in parts and "finishes" not in parts


async def test_intakes_entrance_stays_ready_without_kafka_and_routing_does_not(settings):
    """With the broker unreachable, intake's HTTP entrance still takes appeals into PostgreSQL
    and its outbox, so it stays in the Service; routing, which only consumes, goes out."""
    async def kafka_gone() -> bool:
        return False

    for spec, ready_without_kafka in ((INTAKE, True), (ROUTING, False)):
        app = create_app(spec, settings)
        async with app.router.lifespan_context(app), _client(app) as client:
            assert (await client.get("/readyz")).status_code == 200
            app.state.runtime.kafka_ready = kafka_gone
            response = await client.get("/readyz")
        body = response.json()
        assert body["checks"] == {"database": True, "kafka": False}, body
        assert response.status_code == (200 if ready_without_kafka else 503), (spec.name, body)
        assert body["ready"] is ready_without_kafka


async def test_a_service_waits_until_its_schema_and_topics_exist(settings, infra):
    run = uuid.uuid4().hex[:10]
    database = f"hotline_test_wait_{run}"
    conn = await asyncpg.connect(infra.database_url)
    await conn.execute(f"CREATE DATABASE {database}")
    await conn.close()
    fresh = settings.model_copy(update={
        "database_url": urlunsplit(urlsplit(infra.database_url)._replace(path=f"/{database}")),
        "topic_prefix": f"test-wait-{run}."})
    try:
        missing = await wait_until_provisioned(ROUTING, fresh, timeout=1.0)
        assert missing is not None and "hotline migrate routing" in missing
        await migrate_all(fresh, ["routing"])
        missing = await wait_until_provisioned(ROUTING, fresh, timeout=1.0)
        assert missing is not None and "hotline topics" in missing and fresh.topic_prefix in missing
        runtime = ServiceRuntime(ROUTING, fresh)
        opening = asyncio.create_task(runtime.open())  # open() waits before it reads anything
        await asyncio.sleep(1.0)
        assert not opening.done() and "topic" in runtime.waiting_for
        await create_topics(fresh)
        await asyncio.wait_for(opening, 15)
        assert runtime.waiting_for is None
        await runtime.context.pool.close()
        assert await wait_until_provisioned(ROUTING, fresh, timeout=5.0) is None
    finally:
        conn = await asyncpg.connect(infra.database_url)
        await conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_metrics_are_served_on_their_own_port_and_not_on_the_public_one(settings):
    port = _free_port()
    app = create_app(ROUTING, settings.model_copy(update={"metrics_port": port}), own_process=True)
    import gc
    try:
        async with app.router.lifespan_context(app), _client(app) as client:
            assert (await client.get("/metrics")).status_code == 404
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            assert "hotline_event_loop_lag_seconds" in text
        with pytest.raises(httpx.HTTPError):  # stopped with the service
            async with httpx.AsyncClient() as http:
                await http.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
    finally:
        gc.unfreeze()
