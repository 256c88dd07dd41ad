"""The due-time poller on the real database: two replicas never fire a step twice, and a
poller that died (or was down) leaves nothing unfired and nothing doubled."""

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.adapters.rules_file import load_rules
from services.sla.domain import deadline_state as state
from services.sla.domain.calendar import WorkCalendar
from services.sla.handlers.ladder_poller import LadderPoller
from shared.contracts.local_time import SHANGHAI
from shared.db import create_pool
from shared.unit_of_work import UnitOfWorkFactory

RULES = load_rules()
STEPS = 5  # the default ladder without the early reminder


class FixedClock:
    """A controllable clock: tests move time by assigning `at`."""

    def __init__(self, at: datetime):
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def pools(settings):
    made = [await create_pool(settings.database_url, "sla", min_size=1, max_size=4) for _ in range(2)]
    yield made
    for pool in made:
        await pool.close()


async def open_deadlines(pool, count: int, received: datetime) -> list[uuid.UUID]:
    calendar = WorkCalendar()
    ids = [uuid.uuid4() for _ in range(count)]
    async with pool.acquire() as conn, conn.transaction():
        for appeal_id in ids:
            row = state.new_row(appeal_id=appeal_id, unit_code="SAMR", appeal_type="consumer_complaint",
                                subtype=None, category="prices", received_at=received, period_days=2, attempt=1,
                                early_reminder=False, key_supervision=False, calendar=calendar, rules=RULES,
                                now=received)
            row["state"] = "open"
            await repository.insert(conn, row)
    return ids


async def drain(poller: LadderPoller) -> None:
    while await poller.fire_due():
        pass


async def emitted(db, ids) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT headers->>'ce_type' AS kind, count(*) AS n FROM sla.outbox "
        "WHERE key = ANY($1::bytea[]) GROUP BY 1", [str(i).encode() for i in ids])
    return {r["kind"].split(".")[-2]: r["n"] for r in rows}


async def test_two_replicas_fire_each_step_exactly_once(pools, db):
    received = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)  # due 24:00 Wed Mar 4
    ids = await open_deadlines(pools[0], 300, received)
    clock = FixedClock(datetime(2026, 4, 30, tzinfo=SHANGHAI))  # long past level 3
    replicas = [LadderPoller(UnitOfWorkFactory(p, "sla"), RULES, CalendarCache(), clock, batch=25) for p in pools]
    await asyncio.gather(*(drain(r) for r in replicas), *(drain(r) for r in replicas))

    fired = await db.fetchval("SELECT count(*) FROM sla.ladder_fired WHERE appeal_id = ANY($1::uuid[])", ids)
    assert fired == len(ids) * STEPS
    assert await emitted(db, ids) == {"reminder-due": 300, "overdue": 300, "supervision-raised": 900}
    levels = await db.fetch("SELECT DISTINCT supervision_level, next_fire_at FROM sla.deadlines "
                            "WHERE appeal_id = ANY($1::uuid[])", ids)
    assert [(r["supervision_level"], r["next_fire_at"]) for r in levels] == [(3, None)]


async def test_steps_fire_as_time_passes_and_after_a_restart_late_but_once(pools, db):
    received = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    ids = await open_deadlines(pools[0], 20, received)
    clock = FixedClock(datetime(2026, 3, 3, 12, tzinfo=SHANGHAI))
    first = LadderPoller(UnitOfWorkFactory(pools[0], "sla"), RULES, CalendarCache(), clock)
    await drain(first)
    assert await emitted(db, ids) == {}  # nothing is due yet

    clock.at = datetime(2026, 3, 4, 1, tzinfo=SHANGHAI)  # the last working day started
    await drain(first)
    assert await emitted(db, ids) == {"reminder-due": 20}
    await drain(first)  # polling again changes nothing
    assert await emitted(db, ids) == {"reminder-due": 20}

    # The service is down from here until after level 2 was due; a new process starts.
    clock.at = datetime(2026, 3, 13, 9, tzinfo=SHANGHAI)
    restarted = LadderPoller(UnitOfWorkFactory(pools[1], "sla"), RULES, CalendarCache(), clock)
    await drain(restarted)
    assert await emitted(db, ids) == {"reminder-due": 20, "overdue": 20, "supervision-raised": 40}
    late = await db.fetchval("SELECT min(fired_at - fire_at) FROM sla.ladder_fired "
                             "WHERE appeal_id = ANY($1::uuid[]) AND step = 'supervision_1'", ids)
    assert late > timedelta(days=8), "fired late, on the first poll after the restart"


async def test_a_poller_dying_mid_batch_leaves_the_rows_for_the_next(pools, db):
    ids = await open_deadlines(pools[0], 30, datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
    clock = FixedClock(datetime(2026, 3, 5, 1, tzinfo=SHANGHAI))  # reminder, overdue and level 1 due

    class Dying(LadderPoller):
        calls = 0

        def _event(self, row, due, now):
            Dying.calls += 1
            if Dying.calls == 40:
                raise ConnectionResetError("the process died")
            return LadderPoller._event(row, due, now)

    with pytest.raises(ConnectionResetError):
        await drain(Dying(UnitOfWorkFactory(pools[0], "sla"), RULES, CalendarCache(), clock, batch=100))
    assert await emitted(db, ids) == {}, "the dead poller's transaction left nothing behind"
    await drain(LadderPoller(UnitOfWorkFactory(pools[1], "sla"), RULES, CalendarCache(), clock))
    assert await emitted(db, ids) == {"reminder-due": 30, "overdue": 30, "supervision-raised": 30}


async def test_parked_events_are_dead_lettered_after_the_bounded_wait(pools, db):
    from services.sla.adapters import parking
    from services.sla.handlers.parked_sweeper import sweep_parked
    from shared.contracts.envelope import Envelope
    from shared.contracts.events import AppealSigned

    appeal = uuid.uuid4()
    parked_at = datetime(2026, 5, 1, 9, tzinfo=SHANGHAI)
    envelope = Envelope.wrap(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=parked_at),
                             source="/hotline/routing")
    async with pools[0].acquire() as conn:
        await parking.park(conn, envelope, appeal, parked_at)
    published = []

    async def publish(key, headers, body):
        published.append((key, headers, body))

    units = UnitOfWorkFactory(pools[0], "sla")
    wait = RULES.park_max_wait
    assert await sweep_parked(units, FixedClock(parked_at + wait - timedelta(minutes=1)), wait, publish) == 0
    assert await sweep_parked(units, FixedClock(parked_at + wait), wait, publish) == 1
    key, headers, body = published[0]
    assert key == str(appeal).encode() and body == envelope.body()
    assert "still unknown to sla" in headers["hotline_dlq_reason"] and headers["ce_id"] == str(envelope.id)
    assert await db.fetchval("SELECT count(*) FROM sla.parked_events WHERE appeal_id = $1", appeal) == 0


async def test_open_deadlines_are_exported_by_supervision_level(pools):
    from shared.metrics import OPEN_DEADLINES

    received = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    await open_deadlines(pools[0], 7, received)
    poller = LadderPoller(UnitOfWorkFactory(pools[0], "sla"), RULES, CalendarCache(),
                          FixedClock(datetime(2026, 4, 30, tzinfo=SHANGHAI)), batch=50)
    await drain(poller)
    await poller.count_open()
    by_level = {s.labels["level"]: s.value for m in OPEN_DEADLINES.collect() for s in m.samples}
    assert by_level.get("3", 0) >= 7, "the seven long-overdue clocks are at level 3"
