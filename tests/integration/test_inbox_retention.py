"""Inbox retention against the real database: ids of events applied longer ago than the
retention go, recent ones stay (a redelivered recent event is still recognised), and a running
service prunes its own inbox unless retention is off."""

import asyncio
import uuid

import pytest

from services.routing.entrypoint import SPEC
from shared.inbox_retention import prune_inbox
from shared.runtime import ServiceRuntime
from tests.integration.helpers import emptied_pool

SERVICE = "routing"


@pytest.fixture
async def pool(settings):
    async with emptied_pool(settings.database_url, SERVICE, "inbox") as pool:
        yield pool


async def remember(pool, days_ago: float, count: int) -> set[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    await pool.execute(
        "INSERT INTO inbox (event_id, event_type, handled_at) "
        "SELECT unnest($1::uuid[]), 'hotline.appeal.accepted.v1', now() - make_interval(secs => $2)",
        ids, days_ago * 86400)
    return set(ids)


async def remembered(pool) -> set[uuid.UUID]:
    return {r["event_id"] for r in await pool.fetch("SELECT event_id FROM inbox")}


async def test_ids_older_than_the_retention_go_in_chunks_and_recent_ones_stay(pool):
    await remember(pool, days_ago=400, count=13)
    await remember(pool, days_ago=30.01, count=12)
    recent = await remember(pool, days_ago=29.99, count=5) | await remember(pool, days_ago=0, count=3)
    assert await prune_inbox(pool, retention_days=30, chunk=10) == 25  # three chunks: 10, 10, 5
    assert await remembered(pool) == recent
    assert await prune_inbox(pool, retention_days=30, chunk=10) == 0


@pytest.mark.parametrize("retention_days, kept", [(30, False), (0, True)])
async def test_a_running_service_prunes_its_inbox_unless_retention_is_off(settings, pool, retention_days, kept):
    old = await remember(pool, days_ago=45, count=4)
    recent = await remember(pool, days_ago=1, count=2)
    runtime = ServiceRuntime(SPEC, settings.model_copy(update={
        "inbox_retention_days": retention_days, "inbox_prune_seconds": 0.05}))
    await runtime.open()
    await runtime.broker.start()
    await runtime.start_relay()
    try:
        for _ in range(40):
            if await remembered(pool) == recent:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # several periods of the pruner, had it been started
    finally:
        await runtime.close()
    assert await remembered(pool) == (old | recent if kept else recent)
