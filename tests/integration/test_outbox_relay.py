"""The outbox relay against the real broker: every stored event reaches Kafka once, in order
per appeal, even with several relays running, one of them dying mid-way, or transactions
committing out of id order."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from shared import outbox
from shared.contracts import topics
from shared.contracts.events import AppealSigned
from shared.kafka.producer import RecordSender
from shared.outbox import OutboxRelay
from shared.unit_of_work import UnitOfWork
from tests.integration.helpers import emptied_pool, read_topic

SERVICE = "routing"  # any service schema has the outbox table


@pytest.fixture
async def pool(settings):
    async with emptied_pool(settings.database_url, SERVICE, "outbox") as pool:
        yield pool


@pytest.fixture
async def sender(settings):
    sender = RecordSender(settings, "relay-test")
    await sender.start()
    yield sender
    await sender.stop()


def relay(pool, sender, settings, batch_size=50) -> OutboxRelay:
    return OutboxRelay(SERVICE, pool, lambda t, *rest: sender(settings.topic(t), *rest),
                       batch_size=batch_size, poll_seconds=0.05)


async def store_events(pool, appeals: list[uuid.UUID], per_appeal: int) -> list[str]:
    """Write `per_appeal` events for each appeal, interleaved, in separate transactions."""
    ids = []
    for step in range(per_appeal):
        async with UnitOfWork(pool, "/hotline/test") as uow:
            for appeal in appeals:
                envelope = uow.emit(AppealSigned(appeal_id=appeal, unit_code=f"UNIT-{step}",
                                                 signed_at=datetime.now(UTC)))
                ids.append(str(envelope.id))
    return ids


async def test_two_relays_publish_each_event_once_in_order_per_appeal(pool, sender, settings):
    appeals = [uuid.uuid4() for _ in range(20)]
    ids = await store_events(pool, appeals, per_appeal=10)
    relays = [relay(pool, sender, settings), relay(pool, sender, settings)]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=len(ids),
                                   keys={str(a).encode() for a in appeals})
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    ours = [r for r in records if uuid.UUID(r.key.decode()) in appeals]
    seen = [dict(r.headers)["ce_id"].decode() for r in ours]
    assert sorted(seen) == sorted(ids), "each stored event published exactly once"
    for appeal in appeals:
        steps = [dict(r.headers)["ce_id"].decode() for r in ours if r.key == str(appeal).encode()]
        assert steps == [i for i in ids if i in set(steps)], "per-appeal order kept"
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_relay_that_fails_mid_batch_leaves_its_events_for_the_next(pool, sender, settings):
    appeals = [uuid.uuid4() for _ in range(5)]
    ids = await store_events(pool, appeals, per_appeal=4)
    sent = 0

    async def dies_after_seven(topic, key, headers, body):
        nonlocal sent
        sent += 1
        if sent > 7:
            raise ConnectionError("broker went away")
        return await sender(settings.topic(topic), key, headers, body)

    with pytest.raises(ConnectionError):
        await OutboxRelay(SERVICE, pool, dies_after_seven, batch_size=50).relay_once()
    assert await pool.fetchval("SELECT count(*) FROM outbox") == len(ids), "nothing deleted"

    assert await relay(pool, sender, settings).relay_once() == len(ids)
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=len(ids) + 7,
                               keys={str(a).encode() for a in appeals})
    ours = [dict(r.headers)["ce_id"].decode() for r in records if uuid.UUID(r.key.decode()) in appeals]
    assert set(ours) == set(ids)
    assert len(ours) == len(ids) + 7, "the first seven went out twice (at least once); consumers dedupe by ce_id"


async def test_an_event_committed_after_a_later_id_is_still_published(pool, sender, settings):
    """Ids come from a sequence when rows are inserted, not when they commit: a relay that went on
    from the last id it sent would skip the slower transaction's event for ever."""
    appeals = [uuid.uuid4(), uuid.uuid4()]
    relay_ = relay(pool, sender, settings)
    async with UnitOfWork(pool, "/hotline/test") as slow:
        early = slow.emit(AppealSigned(appeal_id=appeals[0], unit_code="UNIT-1", signed_at=datetime.now(UTC)))
        await outbox.store(slow.conn, slow.pending)  # takes its id now, commits below
        slow.pending.clear()
        later = await store_events(pool, appeals[1:], per_appeal=1)
        assert await relay_.relay_once() == 1
    assert await relay_.relay_once() == 1
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=2,
                               keys={str(a).encode() for a in appeals})
    assert sorted(dict(r.headers)["ce_id"].decode() for r in records) == sorted([str(early.id), *later])


async def test_a_relay_leaves_the_events_to_the_one_publishing_and_takes_over_after(pool, sender, settings):
    ids = await store_events(pool, [uuid.uuid4()], per_appeal=3)
    async with pool.acquire() as other_replica:
        assert await other_replica.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"outbox:{SERVICE}")
        assert await relay(pool, sender, settings).relay_once() == 0, "the lock holder publishes, not us"
        await other_replica.execute("SELECT pg_advisory_unlock(hashtext($1))", f"outbox:{SERVICE}")
    assert await relay(pool, sender, settings).relay_once() == len(ids)
    await store_events(pool, [uuid.uuid4()], per_appeal=1)
    assert await relay(pool, sender, settings).relay_once() == 1, "a relay lets the lock go when done"
