"""The stepped clock's "has every service caught up?" against the real broker and database
(hotline/simulation/stepping.py): an unread record, an uncommitted offset, a row in an outbox
and a ladder step due at the instant each keep it from moving on."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from hotline.simulation.stepping import NotCaughtUp, Platform
from services.sla.adapters import repository
from services.sla.adapters.rules_file import load_rules
from services.sla.domain import deadline_state as state
from services.sla.domain.calendar import WorkCalendar
from shared.contracts import topics
from shared.contracts.events import AppealSigned
from shared.kafka.security import client_options
from tests.integration.helpers import eventually, produce, record

AT = datetime(2030, 6, 3, 2, tzinfo=UTC)


@pytest.fixture
async def platform(settings):
    checked = Platform(settings, {"sla": (topics.ROUTING,)}, ["sla", "routing"])
    await checked.start()
    yield checked
    await checked.stop()


async def test_caught_up_only_when_offsets_outbox_and_ladder_say_so(settings, platform, db):
    assert await platform.caught_up(AT), "nothing sent, nothing to do"

    signed = AppealSigned(appeal_id=uuid.uuid4(), unit_code="SAMR", signed_at=AT)
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [record(signed, "/t")])

    async def visible() -> bool:  # a topic created a moment ago may still be electing its leaders
        return sum((await platform.end_offsets()).values()) == 1
    await eventually(visible, what="the record on the topic")
    assert not await platform.caught_up(AT), "sla's group has not read the record"

    # sla's group reads it and commits: caught up again
    consumer = AIOKafkaConsumer(settings.topic(topics.ROUTING), **client_options(settings),
                                group_id=settings.topic("hotline-sla"), enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        while not (await consumer.getmany(timeout_ms=500)):
            pass
        assert not await platform.caught_up(AT), "read but not committed is not done"
        await consumer.commit()
    finally:
        await consumer.stop()
    assert await platform.caught_up(AT)

    # a handler's event still in an outbox
    await db.execute("INSERT INTO routing.outbox (event_id, topic, key, headers, body) "
                     "VALUES ($1, 't', 'k', '{}', 'b')", uuid.uuid4())
    assert not await platform.caught_up(AT), "an event not yet published"
    await db.execute("DELETE FROM routing.outbox")
    assert await platform.caught_up(AT)

    # a ladder step due at the instant, not before it
    calendar, rules = WorkCalendar(), load_rules()
    row = state.new_row(appeal_id=uuid.uuid4(), unit_code="SAMR", appeal_type="public_service_request",
                        subtype="consultation", category="policies", received_at=AT, period_days=2, attempt=1,
                        early_reminder=False, key_supervision=False, calendar=calendar, rules=rules, now=AT)
    await db.execute("SET search_path TO sla")
    await repository.insert(db, row)
    first_step = row["next_fire_at"]
    assert not await platform.timers_due(AT) and await platform.caught_up(AT)
    assert await platform.timers_due(first_step)
    assert not await platform.caught_up(first_step), "sla's poller has a step to fire"
    with pytest.raises(NotCaughtUp):
        await platform.settle(first_step, timeout=0.3)
    await db.execute("UPDATE sla.deadlines SET next_fire_at = $2 WHERE appeal_id = $1", row["appeal_id"],
                     first_step + timedelta(days=1))
    assert await platform.settle(first_step) >= 0


async def test_the_simulations_own_reading_counts_too(settings, platform):
    ends = await platform.end_offsets()
    assert all(isinstance(tp, TopicPartition) for tp in ends)

    async def behind(_ends) -> bool:
        return False
    assert not await platform.caught_up(AT, behind)
