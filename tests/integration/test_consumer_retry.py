"""The batch subscriber against the real broker: a transient failure is read again, not lost;
a handler's permanent failure parks only that event; offsets move only after success."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

import asyncpg

from shared.broker import DeadLetterPublisher, create_broker, subscribe
from shared.consumer import EventConsumer, Rejected
from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealSigned
from shared.unit_of_work import UnitOfWorkFactory
from tests.integration.helpers import eventually, produce, read_topic

SERVICE = "sla"


def signed(appeal: uuid.UUID) -> tuple[bytes, bytes, list]:
    envelope = Envelope.wrap(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=datetime.now(UTC)),
                             source="/test")
    return envelope.key(), envelope.body(), [(k, v.encode()) for k, v in envelope.headers().items()]


async def test_transient_failure_is_retried_and_poison_is_parked(settings):
    pool = await asyncpg.create_pool(settings.database_url, server_settings={"search_path": SERVICE})
    broker = create_broker(settings, "retry-test")
    appeals = [uuid.uuid4() for _ in range(6)]
    poison = appeals[3]
    calls: Counter = Counter()
    effects = f"effects_{uuid.uuid4().hex[:8]}"  # the handler's state change, rolled back with it
    await pool.execute(f"CREATE TABLE {effects} (appeal_id uuid NOT NULL)")

    async def handler(uow, envelope):
        calls[envelope.data.appeal_id] += 1
        await uow.conn.execute(f"INSERT INTO {effects} VALUES ($1)", envelope.data.appeal_id)
        if sum(calls.values()) == 2:  # the database "drops" once, mid-batch
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle")
        if envelope.data.appeal_id == poison:
            raise Rejected("appeal is unknown to this test")

    dead_letters = settings.topic(topics.dead_letter_topic(SERVICE))
    consumer = EventConsumer(SERVICE, UnitOfWorkFactory(pool, SERVICE), {AppealSigned: handler},
                             DeadLetterPublisher(broker, SERVICE, dead_letters))
    subscribe(broker, consumer, [settings.topic(topics.UNIT_ACTIONS)], group_id=f"retry-{uuid.uuid4()}")
    await broker.start()
    try:
        await produce(settings.kafka_bootstrap, settings.topic(topics.UNIT_ACTIONS), [signed(a) for a in appeals])

        async def done() -> bool:
            return await pool.fetchval(f"SELECT count(*) FROM {effects}") >= 5
        await eventually(done, what="the five good events to be applied")
        await asyncio.sleep(0.5)  # room for a wrong second application to show up
        applied = [r["appeal_id"] for r in await pool.fetch(f"SELECT appeal_id FROM {effects}")]
        await pool.execute(f"DROP TABLE {effects}")
    finally:
        await broker.stop()
        await pool.close()

    assert sorted(applied, key=appeals.index) == [a for a in appeals if a != poison], "each once"
    assert sum(calls.values()) > len(appeals), "the failed attempt really happened and was retried"
    parked = [r for r in await read_topic(settings.kafka_bootstrap, dead_letters, expect=1)
              if r.key == str(poison).encode()]
    assert len(parked) == 1
    assert dict(parked[0].headers)["hotline_dlq_reason"] == b"appeal is unknown to this test"
