"""The outbox relay against the real broker: every stored event reaches Kafka once, in order
per appeal, even with several relays running, one of them dying mid-way, or transactions
committing out of id order."""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from shared import outbox
from shared.broker import RecordSender
from shared.contracts import topics
from shared.contracts.events import AppealSigned
from shared.outbox import OutboxRelay
from shared.unit_of_work import UnitOfWork
from tests.integration.helpers import read_topic

SERVICE = "routing"  # any service schema has the outbox table


@pytest.fixture
async def pool(settings):
    pool = await asyncpg.create_pool(settings.database_url, server_settings={"search_path": SERVICE})
    await pool.execute("DELETE FROM outbox")
    yield pool
    await pool.close()


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


def signed(appeal: uuid.UUID, step: int) -> AppealSigned:
    return AppealSigned(appeal_id=appeal, unit_code=f"UNIT-{step}", signed_at=datetime.now(UTC))


async def ce_ids(settings, appeals, expect: int) -> list[str]:
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=expect,
                               keys={str(a).encode() for a in appeals})
    return [dict(r.headers)["ce_id"].decode() for r in records]


async def test_a_committed_event_goes_to_kafka_from_memory_without_the_relays_look(pool, sender, settings):
    relay_ = relay(pool, sender, settings)  # never run: no poll, no claim
    appeal = uuid.uuid4()
    async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
        event = uow.emit(signed(appeal, 1))
    assert await ce_ids(settings, [appeal], expect=1) == [str(event.id)]
    await asyncio.gather(*relay_._direct)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0, "deleted once Kafka had it"


async def test_an_event_behind_an_unsent_one_of_its_appeal_waits_for_the_relay(pool, sender, settings):
    """Sending it from memory would put it on the bus before the older event of its appeal."""
    waiting, other = uuid.uuid4(), uuid.uuid4()
    older = await store_events(pool, [waiting], per_appeal=1)  # stored, nobody sent it
    relay_ = relay(pool, sender, settings)
    async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
        newer = uow.emit(signed(waiting, 2))
    async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
        unrelated = uow.emit(signed(other, 1))
    assert await ce_ids(settings, [waiting, other], expect=1) == [str(unrelated.id)], \
        "another appeal's event is not held up; this appeal's newer one is"
    assert await relay_.relay_once() == 2
    assert await ce_ids(settings, [waiting], expect=2) == [*older, str(newer.id)]


def acked_after(released: asyncio.Event, sender, settings):
    """A publish whose delivery is acknowledged only once `released` is set."""
    async def publish(topic, key, headers, body):
        delivery = await sender(settings.topic(topic), key, headers, body)

        async def acknowledged():
            await released.wait()
            return await delivery
        return acknowledged()
    return publish


async def test_the_relay_does_not_repeat_or_overtake_what_is_being_sent_from_memory(pool, sender, settings):
    """Kafka answers slowly; meanwhile the relay looks every 50 ms, and an event of the same appeal
    is stored behind the one on its way."""
    slow_acks = asyncio.Event()
    relay_ = OutboxRelay(SERVICE, pool, acked_after(slow_acks, sender, settings), batch_size=50, poll_seconds=0.05)
    running = asyncio.create_task(relay_.run())
    appeal = uuid.uuid4()
    try:
        async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
            first = uow.emit(signed(appeal, 1))
        async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
            second = uow.emit(signed(appeal, 2))  # behind `first`: the relay's to send, after it
        await asyncio.sleep(0.4)  # eight looks of the relay while `first` waits for its ack
        slow_acks.set()
        assert await ce_ids(settings, [appeal], expect=2) == [str(first.id), str(second.id)]
        await asyncio.sleep(0.2)
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        relay_.stop()
        await asyncio.wait_for(running, 5)


async def test_a_failed_send_from_memory_leaves_the_events_to_the_relay(pool, sender, settings):
    calls = 0

    async def first_send_fails(topic, key, headers, body):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("broker went away")
        return await sender(settings.topic(topic), key, headers, body)

    relay_ = OutboxRelay(SERVICE, pool, first_send_fails, batch_size=50, poll_seconds=60)
    running = asyncio.create_task(relay_.run())
    appeal = uuid.uuid4()
    try:
        await asyncio.sleep(0.1)  # the relay's first look found nothing; the next poll is a minute away
        async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
            event = uow.emit(signed(appeal, 1))
        assert await ce_ids(settings, [appeal], expect=1) == [str(event.id)], "woken at once, not in a minute"
    finally:
        relay_.stop()
        await asyncio.wait_for(running, 5)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_stopping_relay_waits_for_the_sends_from_memory_on_their_way(pool, sender, settings):
    acks = asyncio.Event()
    relay_ = OutboxRelay(SERVICE, pool, acked_after(acks, sender, settings), batch_size=50, poll_seconds=60)
    running = asyncio.create_task(relay_.run())
    appeal = uuid.uuid4()
    await asyncio.sleep(0.1)
    async with UnitOfWork(pool, "/hotline/test", relay_.hand_over) as uow:
        event = uow.emit(signed(appeal, 1))
    relay_.stop()
    await asyncio.sleep(0.3)
    assert not running.done(), "the relay's last look waits until the direct send is through"
    acks.set()
    await asyncio.wait_for(running, 5)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await ce_ids(settings, [appeal], expect=1) == [str(event.id)], "sent once, by the direct send"
