"""Assessment against the real broker and database: facts from four topics, scores, drill-down,
CSV, dashboard HTML, weights versions, closing a month, a correction, and the replay."""

import asyncio
import contextlib
import csv
import io
import json
import uuid
from datetime import datetime

import pytest

from services.assessment import closing, rebuild, replay, reports
from services.assessment.adapters import repository
from services.assessment.domain.report import as_rows, in_month, scorecards_of_facts
from services.assessment.entrypoint import SPEC
from shared.contracts import events as ev
from shared.contracts import topics
from shared.contracts.local_time import SHANGHAI as SH
from tests.integration.helpers import eventually, produce, read_topic, record, send
from tests.support import bearer, running_service


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SH)


def month_of_events(year: int, month: int, samr: str, water: str, heping: str) -> tuple[list[ev.Event], dict]:
    """Three appeals to SAMR (one re-dispatched to WATER), one to HEPING, one merged duplicate."""
    ids = {k: uuid.uuid4() for k in ("a", "b", "c", "d")}

    def letter(key, unit, group, day, co=()):
        return ev.AppealDispatched(appeal_id=ids[key], tracking_number=f"SY{year}{month:02d}01ABCDEF{ord(key) % 10}0",
                                   unit_code=unit, unit_name=unit, unit_group=group, co_unit_codes=co, rule_id="r",
                                   appeal_type="consumer_complaint", category="prices", district="heping",
                                   dispatched_at=at(year, month, day))
    events = [
        letter("a", samr, "municipal_department", 2, co=(water,)),
        ev.AppealSigned(appeal_id=ids["a"], unit_code=samr, signed_at=at(year, month, 2, 15)),
        ev.CoHandlerReplied(appeal_id=ids["a"], unit_code=water, lead_unit_code=samr, reply="配合",
                            replied_at=at(year, month, 4)),
        ev.AppealReplied(appeal_id=ids["a"], unit_code=samr, reply="已解决", outcome="solved", replied_at=at(year, month, 6)),
        ev.DeadlineStopped(appeal_id=ids["a"], unit_code=samr, due_at=at(year, month, 28), stopped_at=at(year, month, 6), met=True),
        ev.AppealEvaluated(appeal_id=ids["a"], satisfaction="satisfied", solved=True, via="web", evaluated_at=at(year, month, 8)),
        letter("b", samr, "municipal_department", 3),
        ev.AppealReturned(appeal_id=ids["b"], unit_code=samr, reason="不属于本单位职责", returned_at=at(year, month, 3, 12)),
        ev.AppealRedispatched(appeal_id=ids["b"], from_unit_code=samr, unit_code=water, unit_name=water,
                              unit_group="enterprise", reason="供水问题", attempt=2, redispatched_at=at(year, month, 4)),
        ev.AppealOverdue(appeal_id=ids["b"], unit_code=water, due_at=at(year, month, 20), overdue_at=at(year, month, 21)),
        ev.SupervisionRaised(appeal_id=ids["b"], unit_code=water, level=2, reason="overdue", raised_at=at(year, month, 22)),
        letter("c", heping, "district_government", 5),
        ev.AppealSigned(appeal_id=ids["c"], unit_code=heping, signed_at=at(year, month, 7)),   # late
        ev.DeadlineSet(appeal_id=ids["c"], unit_code=heping, starts_on=at(year, month, 5).date(), working_days=5,
                       due_at=at(year, month, 13, 0), provisional=False, calendar_version="test", reason="dispatched"),
        letter("d", samr, "municipal_department", 6),
        ev.AppealMerged(appeal_id=ids["d"], tracking_number=f"SY{year}{month:02d}01ABCDEF90",
                        into_appeal_id=ids["a"], into_tracking_number=f"SY{year}{month:02d}01ABCDEF70",
                        reason="duplicate", merged_at=at(year, month, 6, 11)),
    ]
    return events, ids


def units(run: str | None = None) -> tuple[str, str, str]:
    """Unit codes of this test alone (a fresh run tag unless given)."""
    tag = (run or uuid.uuid4().hex[:6]).upper()
    return f"SAMR-{tag}", f"WATER-{tag}", f"HEPING-{tag}"


@pytest.fixture
async def assessment(settings, monkeypatch):
    monkeypatch.setattr(closing, "RECHECK_SECONDS", 0.3)
    async with running_service(SPEC, settings) as client:
        yield client


async def month_delivered(settings, db, year: int, month: int, *, again: int = 0):
    """A month of events (month_of_events) for fresh units, sent and stored as facts; the first
    `again` events are delivered a second time under new ids. (units, events, ids)."""
    samr, water, heping = unit_codes = units()
    events, ids = month_of_events(year, month, samr, water, heping)
    await send(settings, *events, *events[:again])
    await wait_for_facts(db, ids.values(), len(events))
    return unit_codes, events, ids


async def wait_for_facts(db, appeal_ids, count: int) -> None:
    async def stored() -> bool:
        return await db.fetchval("SELECT count(*) FROM assessment.appeal_facts WHERE appeal_id = ANY($1::uuid[])",
                                 list(appeal_ids)) >= count
    await eventually(stored, what=f"{count} facts stored")


def got_rates(body: dict, code: str) -> dict:
    return next(u["rates"] for u in body["units"] if u["unit_code"] == code)


def ours(body: dict, codes) -> dict:
    return {u["unit_code"]: u for u in body["units"] if u["unit_code"] in codes}


async def test_a_month_is_scored_ranked_and_drilled_down(assessment, settings, db):
    (samr, water, heping), _, ids = await month_delivered(settings, db, 2025, 3, again=3)  # some delivered twice with new ids: counted once

    body = (await assessment.get("/v1/scores", params={"period": "2025-03"})).json()
    got = ours(body, (samr, water, heping))
    assert body["weights_version"] == "v3" and body["closed"] is False
    # HEPING's letter was never completed and its deadline passed: decided, late
    assert body["as_of"] and body["undecided"] == {"response": 0, "on_time": 0}
    assert got_rates(body, heping)["on_time"] == 0.0
    assert (got[samr]["received"], got[samr]["returned"], got[samr]["signed_on_time"]) == (1, 1, 1)
    assert got[samr]["rates"] == {"response": 1.0, "on_time": 1.0, "resolution": 1.0, "satisfaction": 1.0}
    assert got[samr]["score"] == 100.0 and got[samr]["average_working_days"] == 4.0  # Sun 2nd -> Thu 6th
    assert (got[water]["received"], got[water]["overdue"], got[water]["supervised"]) == (1, 1, 1)
    assert got[water]["co_contributed"] == 1 and got[water]["group"] == "enterprise"
    # WATER: never signed (its window ended long ago) and overdue: response 0/1, on time 0/1 -> 0,
    # a score near 0 because its rates are 0; the escalation takes a share of nothing
    assert got[water]["rates"]["response"] == 0.0 and got[water]["rates"]["on_time"] == 0.0
    assert got[water]["score"] == 0.0 and got[water]["finding_rates"]["escalation_level_2"] == 1.0
    assert got[water]["undecided"] == {"response": 0, "on_time": 0}
    assert got[heping]["rates"]["response"] == 0.0 and got[heping]["group"] == "district_government"

    table = list(csv.DictReader(io.StringIO((await assessment.get("/v1/scores.csv", params={"period": "2025-03"})).text)))
    assert {r["unit_code"]: r["received"] for r in table if r["unit_code"] in got} == {samr: "1", water: "1", heping: "1"}
    same = await assessment.get("/v1/scores", params={"period": "2025-03", "format": "csv"})
    assert same.headers["content-type"].startswith("text/csv")

    drill = await assessment.get(f"/v1/units/{samr}/scores", params={"period": "2025-03"},
                                 headers=bearer(settings, "unit", samr))
    assert drill.status_code == 200, drill.text
    numbers = drill.json()["numbers"]
    assert numbers["received"] == [str(ids["a"])] and numbers["returned"] == [str(ids["b"])]
    assert drill.json()["excluded"] == [{"appeal_id": str(ids["d"]), "reason": "merged duplicate"}]
    held = next(a for a in drill.json()["appeals"] if a["role"] == "holder")
    assert {e["kind"] for e in held["events"]} >= {"dispatched", "signed", "deadline_stopped", "evaluated"}
    paged = (await assessment.get(f"/v1/units/{samr}/scores", params={"period": "2025-03", "limit": 1},
                                  headers=bearer(settings, "unit", samr))).json()
    assert (paged["appeals_total"], len(paged["appeals"]), paged["next_offset"]) == (2, 1, 1)
    assert paged["numbers"] == numbers, "every number lists all its appeals whatever the page"
    assert (await assessment.get(f"/v1/units/{samr}/scores", params={"period": "2025-03"},
                                 headers=bearer(settings, "unit", water))).status_code == 403
    assert (await assessment.get(f"/v1/units/{samr}/scores", params={"period": "2025-03"})).status_code == 401
    missing = await assessment.get("/v1/units/NOBODY-X/scores", params={"period": "2025-03"},
                                   headers=bearer(settings, "operator"))
    assert missing.status_code == 404 and "NOBODY-X" in missing.json()["detail"]

    # the dashboard is server-rendered HTML (checked with httpx; a browser test comes with Chromium)
    page = await assessment.get("/dashboard", params={"period": "2025-03"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'data-unit="{samr}"' in page.text and "<svg" in page.text and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert page.text.index('data-group="municipal_department"') < page.text.index('data-group="district_government"')


@pytest.mark.parametrize(("params", "field"), [
    ({"period": "2025-13"}, "query.period"),
    ({"period": "2999-01"}, "query.period"),
    ({"period": "0000-01"}, "query.period"),  # year 0 was a 500 in date arithmetic (schemathesis)
    ({"period": "9999-12"}, "query.period"),
    ({}, "query.period"),
    ({"from": "2025-03-10"}, "query.to"),
    ({"from": "2025-03-10", "to": "2025-03-01"}, "query.to"),
    ({"period": "2025-03", "from": "2025-03-01", "to": "2025-03-02"}, "query.period"),
])
async def test_unknown_periods_are_refused_with_the_field_and_reason(assessment, params, field):
    response = await assessment.get("/v1/scores", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field and response.json()["errors"][0]["reason"]


async def test_a_date_range_is_scored_too(assessment, settings, db):
    (samr, water, heping), _, _ = await month_delivered(settings, db, 2025, 4)
    body = (await assessment.get("/v1/scores", params={"from": "2025-04-01", "to": "2025-04-03"})).json()
    got = ours(body, (samr, water, heping))
    assert body["period"] == "2025-04-01..2025-04-03"
    # HEPING's letter came on the 5th and WATER's own letter on the 4th: only its co-handling is in range
    assert set(got) == {samr, water} and got[samr]["returned"] == 1
    assert (got[water]["received"], got[water]["co_handled"], got[water]["score"]) == (0, 1, None)


async def test_malformed_weights_are_refused_and_the_current_version_stays(assessment, settings):
    admin = bearer(settings, "admin")
    before = (await assessment.get("/v1/weights")).json()["current"]
    bad = await assessment.post("/v1/weights", headers=admin,
                                json={"weights": {"response": -10, "resolution": 55, "satisfaction": 55}})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "weights.response", "reason": "must not be negative"}]
    assert before in bad.json()["detail"]
    short = await assessment.post("/v1/weights", headers=admin, json={"weights": {"response": 50}})
    assert short.json()["errors"][0]["field"] == "weights" and "sum to 100" in short.json()["errors"][0]["reason"]
    per_letter = await assessment.post("/v1/weights", headers=admin, json={
        "weights": {"response": 50, "on_time": 50}, "deductions": {"overdue": 1.0}, "basis": "per_occurrence"})
    assert per_letter.status_code == 422 and before in per_letter.json()["detail"]
    assert {e["field"] for e in per_letter.json()["errors"]} == {"basis", "deductions.overdue"}
    assert "volume" in per_letter.json()["errors"][0]["reason"]
    negative = await assessment.post("/v1/weights", headers=admin, json={
        "weights": {"response": 100}, "deductions": {"escalation_level_3": 80, "reopened": 30}})
    assert negative.status_code == 422 and "below 0" in negative.json()["errors"][0]["reason"]
    forbidden = await assessment.post("/v1/weights", headers=bearer(settings, "operator"),
                                      json={"weights": {"response": 100}})
    assert forbidden.status_code == 403
    assert (await assessment.get("/v1/weights")).json()["current"] == before


async def test_closing_publishes_and_a_late_event_publishes_a_correction(assessment, settings, db):
    (samr, water, heping), _, ids = await month_delivered(settings, db, 2025, 5)
    admin = bearer(settings, "admin")

    assert (await assessment.post("/v1/periods/2025-05/close", headers=bearer(settings, "operator"))).status_code == 403
    future = await assessment.post("/v1/periods/2999-01/close", headers=admin)
    assert future.status_code == 409 and "has not ended" in future.json()["detail"]
    closed = await assessment.post("/v1/periods/2025-05/close", headers=admin)
    assert closed.status_code == 201, closed.text
    first_id = closed.json()["publication_id"]
    again = await assessment.post("/v1/periods/2025-05/close", headers=admin)
    assert again.status_code == 409 and first_id in again.json()["detail"]

    feed = settings.topic(topics.ASSESSMENT)
    [first] = await read_topic(settings.kafka_bootstrap, feed, expect=1, keys={b"period:2025-05"})
    published = json.loads(first.value)
    assert dict(first.headers)["ce_id"].decode() == first_id
    assert published["weights_version"] == "v3" and published["correction_of"] is None
    mine = {s["unit_code"]: s for s in published["scores"] if s["unit_code"] in (samr, water, heping)}
    assert mine[heping]["rates"]["satisfaction"] is None

    # HEPING's petitioner rates late, after the month closed: a correction, never a silent change.
    late = ev.AppealEvaluated(appeal_id=ids["c"], satisfaction="dissatisfied", solved=False, via="phone_callback",
                              evaluated_at=at(2025, 6, 3))
    await send(settings, late)
    records = await read_topic(settings.kafka_bootstrap, feed, expect=2, keys={b"period:2025-05"}, timeout=30)
    assert len(records) == 2, "one correction, and only one, for the late evaluation"
    correction = json.loads(records[1].value)
    assert correction["correction_of"] == first_id and correction["weights_version"] == "v3"
    fixed = {s["unit_code"]: s for s in correction["scores"]}
    assert fixed[heping]["rates"]["satisfaction"] == 0.0 and fixed[heping]["rates"]["resolution"] == 0.0

    # the same late event again (new event id): the fact is known, nothing is republished
    await produce(settings.kafka_bootstrap, settings.topic(topics.PUBLICATION), [record(late)])
    assert not await closing.recheck_pending(assessment.app.state.context)
    listed = (await assessment.get("/v1/periods")).json()["periods"]
    may = next(p for p in listed if p["period"] == "2025-05")
    assert [p["correction_of"] for p in may["publications"]] == [None, first_id]


async def test_naive_event_times_are_dead_lettered_with_the_reason(assessment, settings):
    appeal_id = uuid.uuid4()
    key, body, headers = record(ev.AppealSigned(appeal_id=appeal_id, unit_code="SAMR", signed_at=datetime(2025, 3, 2, 10)))
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [(key, body, headers)])
    [letter] = await read_topic(settings.kafka_bootstrap, settings.topic(topics.dead_letter_topic("assessment")),
                                expect=1, keys={key})
    assert "no time zone" in dict(letter.headers)["hotline_dlq_reason"].decode()


async def test_replay_rebuilds_identical_scores_from_the_log(assessment, settings, db):
    _, events, ids = await month_delivered(settings, db, 2025, 7)
    before = (await assessment.get("/v1/scores", params={"period": "2025-07"})).json()
    facts_before = await db.fetchval("SELECT count(*) FROM assessment.appeal_facts")
    await db.execute("DELETE FROM assessment.appeal_facts WHERE appeal_id = $1", ids["a"])  # damage

    stats = await replay.replay(settings)
    assert stats["events"] >= len(events) and stats["events_per_second"] > 0
    after = (await assessment.get("/v1/scores", params={"period": "2025-07"})).json()
    assert {**after, "as_of": None} == {**before, "as_of": None}
    assert await db.fetchval("SELECT count(*) FROM assessment.appeal_facts") >= facts_before

    # the running totals are exactly the month computed from all its facts at once
    pool = assessment.app.state.context.pool
    now = datetime(2025, 7, 9, 12, tzinfo=SH)    # some windows and deadlines ended, some not
    kept = await reports.month_report(pool, "2025-07", now)
    facts = await repository.facts_of_period(pool, "2025-07")
    assert kept.rows() == as_rows(scorecards_of_facts(facts, in_month("2025-07"), now, kept.weights,
                                                      await reports.ranks_of(pool, "2025-06", now)))


async def test_facts_stored_before_verdicts_are_judged_once_at_start(assessment, settings, db):
    await month_delivered(settings, db, 2025, 8)
    before = (await assessment.get("/v1/scores", params={"period": "2025-08"})).json()
    # as migration 003 leaves a database that had facts: no verdicts, no totals, a rebuild asked for
    await db.execute("TRUNCATE assessment.appeal_verdicts, assessment.unit_month_totals")
    await db.execute("INSERT INTO assessment.verdict_rebuilds DEFAULT VALUES")
    assert (await assessment.get("/v1/scores", params={"period": "2025-08"})).json()["units"] == []
    with contextlib.suppress(TimeoutError):   # the task runs for ever: one check is enough
        await asyncio.wait_for(rebuild.rebuild_if_requested(assessment.app.state.context), 10)
    after = (await assessment.get("/v1/scores", params={"period": "2025-08"})).json()
    assert {**after, "as_of": None} == {**before, "as_of": None}
    assert await db.fetchval("SELECT count(*) FROM assessment.verdict_rebuilds") == 0


async def test_migration_004_counts_the_stored_verdicts_moments_as_the_consumer_does(assessment, settings, db):
    (_, _, heping), _, _ = await month_delivered(settings, db, 2025, 9)
    sql = (SPEC.migrations / "004_pending_moments.sql").read_text()
    backfill = sql[sql.index("SELECT period, unit_code, counter, at, count(*)"):sql.index("DROP INDEX")].strip().rstrip(";")
    async with db.transaction():
        await db.execute("SET LOCAL search_path = assessment")
        counted = {tuple(r) for r in await db.fetch(backfill)}
        kept = {tuple(r) for r in await db.fetch("SELECT period, unit_code, counter, at, n FROM pending_moments "
                                                 "WHERE n <> 0")}
    assert counted == kept and any(r[1] == heping for r in kept)


async def test_answers_at_intake_return_calls_and_supervision_orders_are_counted(assessment, settings, db):
    """The event types added on 2026-12-07, from their topics (intake, publication, sla) to the scores."""
    samr, water, _ = units()
    ids = {k: uuid.uuid4() for k in ("answered", "rework", "ordered", "plain")}
    order, second = uuid.uuid4(), uuid.uuid4()

    def letter(key, unit, day):
        return ev.AppealDispatched(appeal_id=ids[key], tracking_number=f"SY20251001ABCDE{ord(key[0]) % 10}{day:02d}",
                                   unit_code=unit, unit_name=unit, unit_group="municipal_department", rule_id="r",
                                   appeal_type="consumer_complaint", category="prices", district="heping",
                                   dispatched_at=at(2025, 10, day))

    def done(key, unit, day):
        return [ev.AppealSigned(appeal_id=ids[key], unit_code=unit, signed_at=at(2025, 10, day, 12)),
                ev.AppealReplied(appeal_id=ids[key], unit_code=unit, reply="已处理", outcome="solved",
                                 replied_at=at(2025, 10, day + 2)),
                ev.DeadlineStopped(appeal_id=ids[key], unit_code=unit, due_at=at(2025, 10, 28),
                                   stopped_at=at(2025, 10, day + 2), met=True)]

    rework = ids["rework"]
    events: list[ev.Event] = [
        ev.AppealAnsweredAtIntake(
            appeal_id=ids["answered"], tracking_number="SY20251009ABCDEF01", channel="web",
            appeal_type="public_service_request", subtype="consultation", category="social_security",
            district="heping", description="社保卡怎么补办", private=False,
            classification={"method": "keywords", "matched": ["社保"]}, answer="携带身份证到网点办理",
            knowledge_entry_id=uuid.uuid4(), knowledge_entry_version=1, confirmed_by="petitioner",
            received_at=at(2025, 10, 9), answered_at=at(2025, 10, 9, 11)),
        # SAMR: dissatisfied, reopened, dissatisfied again -> a return call; the centre closes it.
        letter("rework", samr, 9), *done("rework", samr, 9),
        ev.AppealEvaluated(appeal_id=rework, satisfaction="dissatisfied", solved=False, via="web",
                           reopen_requested=True, evaluated_at=at(2025, 10, 12)),
        ev.AppealReopened(appeal_id=rework, reason="dissatisfied", reopened_at=at(2025, 10, 12, 1)),
        ev.AppealReplied(appeal_id=rework, unit_code=samr, reply="已再次处理", outcome="solved",
                         replied_at=at(2025, 10, 14)),
        ev.AppealEvaluated(appeal_id=rework, satisfaction="dissatisfied", solved=False, via="web", return_call=True,
                           evaluated_at=at(2025, 10, 15)),
        ev.ReturnCallRequested(appeal_id=rework, tracking_number="SY20251009ABCDE209", unit_code=samr,
                               dissatisfied_ratings=2, requested_at=at(2025, 10, 15, 1)),
        ev.ReturnCallDecided(appeal_id=rework, tracking_number="SY20251009ABCDE209", decision="close",
                             reason="回访后群众表示理解", decided_by="operator-7", unit_code=samr,
                             decided_at=at(2025, 10, 16)),
        ev.AppealClosed(appeal_id=rework, closed_at=at(2025, 10, 16, 1)),
        # WATER: two orders on one letter (one answered) and a letter without any.
        letter("ordered", water, 10), *done("ordered", water, 10),
        ev.SupervisionOrderIssued(appeal_id=ids["ordered"], order_id=order, unit_code=water, mode="leader_interview",
                                  instructions="请说明办理进展", issued_by="supervisor-1", issued_at=at(2025, 10, 11)),
        ev.SupervisionOrderAnswered(appeal_id=ids["ordered"], order_id=order, unit_code=water, answer="已约谈",
                                    answered_by="water-officer", answered_at=at(2025, 10, 11, 15)),
        ev.SupervisionOrderIssued(appeal_id=ids["ordered"], order_id=second, unit_code=water, mode="joint_meeting",
                                  instructions="联席会议", issued_by="supervisor-1", issued_at=at(2025, 10, 11, 16)),
        letter("plain", water, 13), *done("plain", water, 13),
    ]
    await send(settings, *events)
    await wait_for_facts(db, ids.values(), len(events))

    body = (await assessment.get("/v1/scores", params={"period": "2025-10"})).json()
    got = ours(body, (samr, water))
    assert body["weights_version"] == "v3" and body["answered_at_intake"] == 1, "the centre's own, once"
    assert "" not in {u["unit_code"] for u in body["units"]}
    assert (got[samr]["received"], got[samr]["return_called"], got[samr]["reopened_letters"]) == (1, 1, 1)
    assert got[samr]["finding_rates"]["return_call"] == 1.0
    assert (got[water]["received"], got[water]["supervision_ordered"], got[water]["orders_unanswered"]) == (2, 1, 1)
    assert got[water]["finding_rates"]["supervision_order"] == 0.5
    # WATER's base is 100 (all on time, nothing rated): one letter of two ordered takes 10 * 0.5 points
    assert got[water]["score"] == 95.0 and got[water]["deductions"] == {"supervision_order": 5.0}
    assert set(got[samr]["deductions"]) == {"reopened", "return_call"}

    drill = (await assessment.get(f"/v1/units/{water}/scores", params={"period": "2025-10"},
                                  headers=bearer(settings, "unit", water))).json()
    assert drill["numbers"]["supervision_ordered"] == [str(ids["ordered"])]
    held = next(a for a in drill["appeals"] if a["appeal_id"] == str(ids["ordered"]))
    assert (held["supervision_orders"], held["orders_unanswered"]) == (2, 1)
    assert {e["kind"] for e in held["events"]} >= {"supervision_order", "order_answered"}

    table = list(csv.DictReader(io.StringIO((await assessment.get("/v1/scores.csv", params={"period": "2025-10"})).text)))
    assert {r["unit_code"]: (r["return_called"], r["supervision_ordered"]) for r in table
            if r["unit_code"] in got} == {samr: ("1", "0"), water: ("0", "1")}
    page = (await assessment.get("/dashboard", params={"period": "2025-10"})).text
    assert "中心直接办结 <b data-answered-at-intake>1</b>" in page

    # the running totals equal the month computed from all its facts at once
    pool = assessment.app.state.context.pool
    now = datetime(2025, 12, 1, tzinfo=SH)
    kept = await reports.month_report(pool, "2025-10", now)
    facts = await repository.facts_of_period(pool, "2025-10")
    assert kept.rows() == as_rows(scorecards_of_facts(facts, in_month("2025-10"), now, kept.weights,
                                                      await reports.ranks_of(pool, "2025-09", now)))
