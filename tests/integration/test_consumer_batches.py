"""Batch handlers against the real database: a run of events is applied by one call, in order,
interleaved single-event handlers keep their place, and a rejected event inside a run is
dead-lettered alone while the rest of the run is applied."""

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from shared.consumer import Batch, EventConsumer, Rejected
from shared.contracts.events import AppealClosed, AppealSigned
from shared.unit_of_work import UnitOfWorkFactory
from tests.integration.helpers import consumer_record

SERVICE = "sla"


def signed(appeal, offset):
    return consumer_record(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=datetime.now(UTC)), offset)


def closed(appeal, offset):
    return consumer_record(AppealClosed(appeal_id=appeal, closed_at=datetime.now(UTC)), offset)


@pytest.fixture
async def world(settings):
    pool = await asyncpg.create_pool(settings.database_url, server_settings={"search_path": SERVICE})
    table = f"effects_{uuid.uuid4().hex[:8]}"
    await pool.execute(f"CREATE TABLE {table} (n serial, appeal_id uuid NOT NULL, kind text NOT NULL)")
    yield pool, table
    await pool.execute(f"DROP TABLE {table}")
    await pool.close()


async def test_runs_are_applied_in_one_call_and_in_order(world):
    pool, table = world
    runs: list[int] = []
    rejected = uuid.uuid4()

    async def on_signed(uow, envelopes):
        runs.append(len(envelopes))
        for e in envelopes:
            if e.data.appeal_id == rejected:
                raise Rejected("not this one")
        await uow.conn.executemany(f"INSERT INTO {table} (appeal_id, kind) VALUES ($1, 'signed')",
                                   [(e.data.appeal_id,) for e in envelopes])

    async def on_closed(uow, envelope):
        await uow.conn.execute(f"INSERT INTO {table} (appeal_id, kind) VALUES ($1, 'closed')",
                               envelope.data.appeal_id)

    letters: list = []

    async def dead_letter(batch):
        letters.extend(batch)

    consumer = EventConsumer(SERVICE, UnitOfWorkFactory(pool, SERVICE),
                             {AppealSigned: Batch(on_signed), AppealClosed: on_closed}, dead_letter)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await consumer.process([signed(a, 0), signed(b, 1), closed(a, 2), signed(c, 3)])
    assert runs == [2, 1], "two runs: the close in between ends the first"
    effects = [(r["appeal_id"], r["kind"]) for r in await pool.fetch(f"SELECT * FROM {table} ORDER BY n")]
    assert effects == [(a, "signed"), (b, "signed"), (a, "closed"), (c, "signed")]

    runs.clear()
    await consumer.process([signed(b, 4), signed(rejected, 5), signed(c, 6)])
    assert [letter.record.offset for letter in letters] == [5], "only the rejected event is parked"
    assert letters[0].reason == "not this one"
    assert runs == [3, 1, 2, 1, 1], "the failed batch is halved down to the bad event"
    kinds = [r["appeal_id"] for r in await pool.fetch(f"SELECT * FROM {table} WHERE n > 4 ORDER BY n")]
    assert kinds == [b, c]

    # One bad event among 64: found by halving (a dozen calls, not 64), the other 63 applied.
    runs.clear()
    letters.clear()
    many = [uuid.uuid4() for _ in range(64)]
    many[41] = rejected
    await consumer.process([signed(a, 100 + i) for i, a in enumerate(many)])
    assert [letter.record.offset for letter in letters] == [141]
    assert len(runs) <= 2 + 2 * 6, runs
    applied = {r["appeal_id"] for r in await pool.fetch(f"SELECT appeal_id FROM {table}")}
    assert applied >= set(many) - {rejected} and rejected not in applied
