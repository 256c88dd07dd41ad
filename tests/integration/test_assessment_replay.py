"""The replay judges exactly as the live consumer: on a mixed month (returns, co-handling, a
merged duplicate, overdue and supervision, a reopen and a return call, supervision orders, an
unsigned letter, redeliveries, and a correction after the month was closed) the verdict rows,
running totals and pending moments after a replay are the ones the consumer kept event by
event, whether the replay judges from the facts in memory or from the stored facts."""

import asyncio
import uuid

import pytest

from services.assessment import closing, rebuild, replay
from services.assessment.domain.facts import Fact
from services.assessment.entrypoint import SPEC
from shared.contracts import events as ev
from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic
from tests.integration.test_assessment_service import at, month_of_events, send, units, wait_for_facts
from tests.support import bearer, running_service

YEAR, MONTH, PERIOD = 2025, 11, "2025-11"


@pytest.fixture
async def assessment(settings, monkeypatch):
    monkeypatch.setattr(closing, "RECHECK_SECONDS", 0.3)
    async with running_service(SPEC, settings) as client:
        yield client


def more_of_the_month(samr: str, water: str) -> tuple[list[ev.Event], dict]:
    """A reopen with a return call, two supervision orders (one answered), an unsigned letter."""
    ids = {k: uuid.uuid4() for k in ("rework", "ordered", "unsigned")}
    order, second = uuid.uuid4(), uuid.uuid4()

    def letter(key, unit, day):
        return ev.AppealDispatched(appeal_id=ids[key], tracking_number=f"SY{YEAR}{MONTH:02d}01ABCDE{ord(key[0]) % 10}{day:02d}",
                                   unit_code=unit, unit_name=unit, unit_group="municipal_department", rule_id="r",
                                   appeal_type="consumer_complaint", category="prices", district="heping",
                                   dispatched_at=at(YEAR, MONTH, day))

    def done(key, unit, day, met=True):
        return [ev.AppealSigned(appeal_id=ids[key], unit_code=unit, signed_at=at(YEAR, MONTH, day, 12)),
                ev.DeadlineSet(appeal_id=ids[key], unit_code=unit, starts_on=at(YEAR, MONTH, day).date(),
                               working_days=3, due_at=at(YEAR, MONTH, day + 4, 0), provisional=False,
                               calendar_version="test", reason="dispatched"),
                ev.AppealReplied(appeal_id=ids[key], unit_code=unit, reply="已处理", outcome="solved",
                                 replied_at=at(YEAR, MONTH, day + 2)),
                ev.DeadlineStopped(appeal_id=ids[key], unit_code=unit, due_at=at(YEAR, MONTH, day + 4, 0),
                                   stopped_at=at(YEAR, MONTH, day + 2), met=met)]

    rework = ids["rework"]
    tracking = f"SY{YEAR}{MONTH:02d}01ABCDE409"
    events: list[ev.Event] = [
        letter("rework", samr, 9), *done("rework", samr, 9),
        ev.AppealEvaluated(appeal_id=rework, satisfaction="dissatisfied", solved=False, via="web",
                           reopen_requested=True, evaluated_at=at(YEAR, MONTH, 12)),
        ev.AppealReopened(appeal_id=rework, reason="dissatisfied", reopened_at=at(YEAR, MONTH, 12, 11)),
        ev.AppealReplied(appeal_id=rework, unit_code=samr, reply="已再次处理", outcome="solved",
                         replied_at=at(YEAR, MONTH, 14)),
        ev.AppealEvaluated(appeal_id=rework, satisfaction="dissatisfied", solved=False, via="web", return_call=True,
                           evaluated_at=at(YEAR, MONTH, 15)),
        ev.ReturnCallRequested(appeal_id=rework, tracking_number=tracking, unit_code=samr,
                               dissatisfied_ratings=2, requested_at=at(YEAR, MONTH, 15, 11)),
        ev.ReturnCallDecided(appeal_id=rework, tracking_number=tracking, decision="close",
                             reason="回访后群众表示理解", decided_by="operator-7", unit_code=samr,
                             decided_at=at(YEAR, MONTH, 16)),
        ev.AppealClosed(appeal_id=rework, closed_at=at(YEAR, MONTH, 16, 11)),
        letter("ordered", water, 10), *done("ordered", water, 10, met=False),
        ev.AppealOverdue(appeal_id=ids["ordered"], unit_code=water, due_at=at(YEAR, MONTH, 14, 0),
                         overdue_at=at(YEAR, MONTH, 14, 1)),
        ev.SupervisionRaised(appeal_id=ids["ordered"], unit_code=water, level=1, reason="overdue",
                             raised_at=at(YEAR, MONTH, 14, 2)),
        ev.SupervisionOrderIssued(appeal_id=ids["ordered"], order_id=order, unit_code=water, mode="leader_interview",
                                  instructions="请说明办理进展", issued_by="supervisor-1", issued_at=at(YEAR, MONTH, 11)),
        ev.SupervisionOrderAnswered(appeal_id=ids["ordered"], order_id=order, unit_code=water, answer="已约谈",
                                    answered_by="water-officer", answered_at=at(YEAR, MONTH, 11, 15)),
        ev.SupervisionOrderIssued(appeal_id=ids["ordered"], order_id=second, unit_code=water, mode="joint_meeting",
                                  instructions="联席会议", issued_by="supervisor-1", issued_at=at(YEAR, MONTH, 11, 16)),
        letter("unsigned", water, 27),   # never signed: decided by time alone (a pending moment)
    ]
    return events, ids


async def kept_state(db) -> tuple[list[dict], list[dict], list[dict], list[dict], list[dict]]:
    """Everything the consumer keeps for scores (this module's database holds only this test's)."""
    async def rows(query: str) -> list[dict]:
        return [dict(r) for r in await db.fetch(query)]
    return (
        await rows("SELECT appeal_id, kind, unit_code, occurred_at, period, attempt, level, flag, label, other_unit, "
                   "co_units, tracking_number, event_id, event_type FROM assessment.appeal_facts "
                   "ORDER BY appeal_id, kind, unit_code, occurred_at"),
        await rows("SELECT * FROM assessment.appeal_verdicts ORDER BY appeal_id, role, unit_code, received_at"),
        await rows("SELECT * FROM assessment.unit_month_totals ORDER BY period, unit_code"),
        await rows("SELECT * FROM assessment.pending_moments WHERE n <> 0 ORDER BY period, unit_code, counter, at"),
        await rows("SELECT * FROM assessment.received_appeals ORDER BY appeal_id, unit_code"),
    )


async def fact_table_shape(db) -> tuple[list[dict], list[dict], list[dict], str | None]:
    """The fact table as the migrations define it: columns, indexes, constraints, its sequence."""
    columns = await db.fetch("SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                             "WHERE table_schema = 'assessment' AND table_name = 'appeal_facts' ORDER BY ordinal_position")
    indexes = await db.fetch("SELECT indexname, indexdef FROM pg_indexes "
                             "WHERE schemaname = 'assessment' AND tablename = 'appeal_facts' ORDER BY indexname")
    constraints = await db.fetch("SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
                                 "WHERE conrelid = 'assessment.appeal_facts'::regclass ORDER BY conname")
    return ([dict(r) for r in columns], [dict(r) for r in indexes], [dict(r) for r in constraints],
            await db.fetchval("SELECT pg_get_serial_sequence('assessment.appeal_facts', 'seq')"))


async def test_replayed_verdicts_and_totals_equal_the_ones_kept_live(assessment, settings, db):
    run = uuid.uuid4().hex[:6]
    samr, water, heping = units(run)
    events, ids = month_of_events(YEAR, MONTH, samr, water, heping)
    more, more_ids = more_of_the_month(samr, water)
    await send(settings, *events, *more)
    await send(settings, *events[:5], *more[:3])   # delivered again with new event ids: the same facts
    every = [*ids.values(), *more_ids.values()]
    await wait_for_facts(db, every, len(events) + len(more))

    # closed, then a late rating: a correction is published
    closed = await assessment.post(f"/v1/periods/{PERIOD}/close", headers=bearer(settings, "admin"))
    assert closed.status_code == 201, closed.text
    late = ev.AppealEvaluated(appeal_id=ids["c"], satisfaction="dissatisfied", solved=False, via="phone_callback",
                              evaluated_at=at(YEAR, MONTH + 1, 3))
    await send(settings, late)
    feed = settings.topic(topics.ASSESSMENT)
    published = await read_topic(settings.kafka_bootstrap, feed, expect=2, keys={f"period:{PERIOD}".encode()}, timeout=30)
    assert len(published) == 2
    live = await kept_state(db)
    assert {r["role"] for r in live[1]} == {"holder", "returned", "co_handler", "excluded"}
    assert live[3], "the unsigned letter waits for its response window: a pending moment"
    shape = await fact_table_shape(db)
    assert len(shape[1]) == 4 and shape[2] and shape[3] is not None

    for in_memory_events, judged_in_memory in ((replay.IN_MEMORY_EVENTS, True), (0, False)):
        stats = await replay.replay(settings, in_memory_events=in_memory_events)
        assert stats["in_memory"] is judged_in_memory and stats["malformed"] == 0
        assert stats["events"] == len(events) + len(more) + 8 + 1
        replayed = await kept_state(db)
        for name, got, want in zip(("facts", "verdicts", "totals", "moments", "received letters"), replayed, live, strict=True):
            assert got == want, f"{name} differ after a replay judged {'in memory' if judged_in_memory else 'from the table'}"
        # the in-memory replay loads a new fact table and swaps it in: the same table it replaced
        assert await fact_table_shape(db) == shape

    # the replays marked the closed month for a recheck; it finds the published scores unchanged
    async def rechecked() -> bool:
        return not await db.fetchval("SELECT count(*) FROM assessment.period_rechecks WHERE period = $1", PERIOD)
    await eventually(rechecked, what="the closed month rechecked")
    listed = (await assessment.get("/v1/periods")).json()["periods"]
    month = next(p for p in listed if p["period"] == PERIOD)
    assert len(month["publications"]) == 2, "no correction: the replayed scores are the published ones"

    # the live consumer goes on storing into the table the replay put in place
    signed = ev.AppealSigned(appeal_id=more_ids["unsigned"], unit_code=water, signed_at=at(YEAR, MONTH, 28, 9))
    await send(settings, signed)
    await wait_for_facts(db, [more_ids["unsigned"]], 2)

    async def judged_signed() -> bool:
        return await db.fetchval("SELECT signed_at IS NOT NULL FROM assessment.appeal_verdicts "
                                 "WHERE appeal_id = $1 AND role = 'holder'", more_ids["unsigned"])
    await eventually(judged_signed, what="the letter signed after the replay judged live")


async def test_a_failure_while_rows_are_in_flight_rolls_back_with_its_own_error(settings, db):
    before = await db.fetchval("SELECT count(*) FROM assessment.appeal_verdicts")

    async def appeals():
        for _ in range(rebuild.PIPELINED_CHUNK + 1):   # one chunk of rows in flight, then the failure
            a = uuid.uuid4()
            yield a, [Fact(a, "dispatched", "UNIT", at(YEAR, MONTH, 3), uuid.uuid4(), "hotline.appeal.dispatched.v1",
                           attempt=1, label="enterprise")]
        await asyncio.sleep(0.05)   # reading the log gives way: the rows' COPY is under way
        raise RuntimeError("the log broke")

    with pytest.raises(RuntimeError, match="the log broke"):
        async with db.transaction():
            await db.execute("SET LOCAL search_path TO assessment")
            await rebuild.store_verdicts(db, appeals())
    await asyncio.sleep(0.5)   # nothing left running that could still write
    assert await db.fetchval("SELECT count(*) FROM assessment.appeal_verdicts") == before


@pytest.mark.parametrize("in_memory_events", [replay.IN_MEMORY_EVENTS, -1], ids=["judged in memory", "streamed"])
async def test_a_replay_that_fails_while_reading_leaves_the_old_facts_in_place(settings, db, monkeypatch,
                                                                               in_memory_events):
    a = uuid.uuid4()
    await db.execute("INSERT INTO assessment.appeal_facts (appeal_id, kind, unit_code, occurred_at, event_id, event_type) "
                     "VALUES ($1, 'accepted', '', $2, $3, 'hotline.appeal.accepted.v1')", a, at(YEAR, MONTH, 2), uuid.uuid4())
    before, shape = await db.fetchval("SELECT count(*) FROM assessment.appeal_facts"), await fact_table_shape(db)

    async def breaks_after_one_batch(self, stats):
        yield [Fact(uuid.uuid4(), "accepted", "", at(YEAR, MONTH, 3), uuid.uuid4(), "hotline.appeal.accepted.v1")]
        raise RuntimeError("the log broke")

    monkeypatch.setattr(replay.Log, "facts", breaks_after_one_batch)
    with pytest.raises(RuntimeError, match="the log broke"):
        await replay.replay(settings, in_memory_events=in_memory_events)
    assert await db.fetchval("SELECT count(*) FROM assessment.appeal_facts") == before
    assert await db.fetchval("SELECT count(*) FROM assessment.appeal_facts WHERE appeal_id = $1", a) == 1
    assert await fact_table_shape(db) == shape
    assert await db.fetchval("SELECT to_regclass('assessment.appeal_facts_replayed')") is None
