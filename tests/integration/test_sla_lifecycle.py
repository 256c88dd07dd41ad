"""SLA against the real broker and database: a deadline through its lifecycle, parking,
dead letters, the calendar upload and the supervisor API."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.sla.entrypoint import SPEC
from shared.contracts import topics
from shared.contracts.events import (
    AppealDispatched,
    AppealRedispatched,
    AppealReplied,
    AppealReturned,
    AppealSigned,
    ExtensionRequested,
)
from shared.contracts.local_time import SHANGHAI as SH
from shared.contracts.vocabulary import AppealType
from tests.integration import helpers
from tests.integration.helpers import Message, eventually, produce, read_topic
from tests.support import bearer, running_service


def record(payload) -> Message:
    return helpers.record(payload, "/hotline/routing")


def dispatched(appeal_id, at: datetime, unit="SAMR", **kw) -> AppealDispatched:
    return AppealDispatched(appeal_id=appeal_id, tracking_number="SY20261128ABCDEFGH", unit_code=unit,
                            unit_name="沈阳市市场监督管理局", rule_id="r1", appeal_type=AppealType.CONSUMER_COMPLAINT,
                            category="prices", district="heping", dispatched_at=at, **kw)


async def sla_events(settings, appeal_id, expect: int):
    found = await read_topic(settings.kafka_bootstrap, settings.topic(topics.SLA), expect=expect,
                             keys={str(appeal_id).encode()})
    return [(dict(r.headers)["ce_type"].decode(), json.loads(r.value)) for r in found]


@pytest.fixture
async def sla(settings):
    async with running_service(SPEC, settings) as client:
        yield client


async def row_of(db, appeal_id):
    return await db.fetchrow("SELECT * FROM sla.deadlines WHERE appeal_id = $1", appeal_id)


async def test_dispatch_sign_extend_and_reply(sla, settings, db):
    appeal = uuid.uuid4()
    now = datetime.now(UTC)
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(dispatched(appeal, now - timedelta(days=1))),
        record(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=now)),
        record(ExtensionRequested(appeal_id=appeal, unit_code="SAMR", working_days=3, reason="需要现场核查",
                                  requested_at=now)),
    ])

    async def pending() -> bool:
        return await db.fetchval("SELECT count(*) FROM sla.extensions WHERE appeal_id = $1 AND status = 'pending'",
                                 appeal) == 1
    await eventually(pending, what="the extension request to wait for a supervisor")
    row = await row_of(db, appeal)
    assert row["state"] == "open" and row["starts_on"] == now.astimezone(SH).date()
    signed_due = row["due_at"]

    extension_id = await db.fetchval("SELECT extension_id FROM sla.extensions WHERE appeal_id = $1", appeal)
    as_unit = await sla.post(f"/v1/extensions/{extension_id}/decision", json={"approved": True, "reason": "ok"},
                             headers=bearer(settings, "unit", "SAMR"))
    assert as_unit.status_code == 403
    approved = await sla.post(f"/v1/extensions/{extension_id}/decision",
                              json={"approved": True, "reason": "现场核查需要时间"},
                              headers=bearer(settings, "supervisor", subject="sup-1"))
    assert approved.status_code == 200, approved.text
    again = await sla.post(f"/v1/extensions/{extension_id}/decision", json={"approved": False, "reason": "x"},
                           headers=bearer(settings, "supervisor"))
    assert again.status_code == 409 and "already approved" in again.text
    row = await row_of(db, appeal)
    assert row["working_days"] == 23 and row["due_at"] > signed_due and row["epoch"] == 2

    explained = (await sla.get(f"/v1/deadlines/{appeal}/explanation", headers=bearer(settings, "supervisor"))).json()
    assert explained["working_days"] == 23 and len(explained["counted"]) == 23
    assert all(s["why"] for s in explained["skipped"])
    assert explained["extended_working_days"] == 3
    other_unit = await sla.get(f"/v1/deadlines/{appeal}/explanation", headers=bearer(settings, "unit", "WATER"))
    assert other_unit.status_code == 404

    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(AppealReplied(appeal_id=appeal, unit_code="SAMR", reply="已处理", outcome="solved",
                             replied_at=now + timedelta(hours=2))),
    ])
    events = await sla_events(settings, appeal, expect=6)
    kinds = [(k.split(".")[-2], e.get("reason")) for k, e in events]
    assert kinds[:3] == [("deadline-set", "dispatched"), ("deadline-set", "signed"),
                         ("extension-decided", "现场核查需要时间")]
    assert kinds[3] == ("deadline-set", "extended")
    assert kinds[4][0] == "deadline-stopped" and events[4][1]["met"] is True
    assert len(events) == 5, "each fact is announced once"
    assert (await row_of(db, appeal))["state"] == "stopped"


async def test_events_before_the_letter_are_parked_then_applied(sla, settings, db):
    appeal = uuid.uuid4()
    now = datetime.now(UTC)
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=now)),
    ])

    async def parked() -> bool:
        return await db.fetchval("SELECT count(*) FROM sla.parked_events WHERE appeal_id = $1", appeal) == 1
    await eventually(parked, what="the early signature to be parked")
    assert await row_of(db, appeal) is None

    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(dispatched(appeal, now - timedelta(hours=3))),
    ])

    async def signed() -> bool:
        row = await row_of(db, appeal)
        return row is not None and row["state"] == "open"
    await eventually(signed, what="the parked signature to be applied")
    assert await db.fetchval("SELECT count(*) FROM sla.parked_events WHERE appeal_id = $1", appeal) == 0
    reasons = [e["reason"] for _, e in await sla_events(settings, appeal, expect=2)]
    assert reasons == ["dispatched", "signed"]


async def test_late_extension_is_refused_and_foreign_units_are_dead_lettered(sla, settings, db):
    appeal = uuid.uuid4()
    long_ago = datetime(2026, 3, 2, 2, tzinfo=UTC)
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(dispatched(appeal, long_ago)),
        record(ExtensionRequested(appeal_id=appeal, unit_code="SAMR", working_days=5, reason="来不及",
                                  requested_at=datetime(2026, 4, 20, tzinfo=UTC))),
        record(AppealReplied(appeal_id=appeal, unit_code="WATER", reply="不是我们的", outcome="explained",
                             replied_at=datetime(2026, 4, 21, tzinfo=UTC))),
    ])
    letters = await read_topic(settings.kafka_bootstrap, settings.topic(topics.dead_letter_topic("sla")),
                               expect=1, keys={str(appeal).encode()})
    assert "WATER replied to an appeal held by SAMR" in dict(letters[0].headers)["hotline_dlq_reason"].decode()
    refusal = await db.fetchrow("SELECT * FROM sla.extensions WHERE appeal_id = $1", appeal)
    assert refusal["status"] == "refused" and "after the deadline" in refusal["decision_reason"]
    assert (await row_of(db, appeal))["state"] != "stopped"

    # The deadline passed long ago: the poller fires the whole ladder, once, and the
    # supervisor lists the appeal as overdue at level 3.
    async def fully_escalated() -> bool:
        return (await row_of(db, appeal))["supervision_level"] == 3
    await eventually(fully_escalated, what="supervision level 3")
    listed = (await sla.get("/v1/supervision/appeals", params={"kind": "overdue", "unit": "SAMR", "level": 3,
                                                                "page_size": 500},
                            headers=bearer(settings, "supervisor"))).json()
    assert str(appeal) in {item["appeal_id"] for item in listed["items"]}
    events = await sla_events(settings, appeal, expect=7)
    types = [k for k, _ in events]
    assert types.count("hotline.appeal.supervision-raised.v1") == 3
    assert types.count("hotline.appeal.overdue.v1") == 1 and types.count("hotline.appeal.reminder-due.v1") == 1


async def test_redispatch_restarts_the_clock_for_the_new_unit(sla, settings, db):
    appeal = uuid.uuid4()
    now = datetime.now(UTC)
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(dispatched(appeal, now - timedelta(days=3))),
        record(AppealRedispatched(appeal_id=appeal, from_unit_code="SAMR", unit_code="WATER", unit_name="水务局",
                                  reason="职责不符", attempt=2, redispatched_at=now)),
        record(AppealSigned(appeal_id=appeal, unit_code="WATER", signed_at=now)),
    ])

    async def held_by_water() -> bool:
        row = await row_of(db, appeal)
        return row is not None and row["unit_code"] == "WATER" and row["state"] == "open"
    await eventually(held_by_water, what="the new unit's clock")
    row = await row_of(db, appeal)
    assert row["epoch"] == 2 and row["starts_on"] == now.astimezone(SH).date() and row["attempt"] == 2


async def test_a_returned_letter_stops_its_clock_and_the_next_unit_gets_its_own(sla, settings, db):
    """Issue 19, item 3: after SAMR returns the letter nothing fires against SAMR, however late
    it gets; the re-dispatched letter is counted from the day WATER signs, and its ladder fires
    for WATER only."""
    from services.sla.adapters.calendar_store import CalendarCache
    from services.sla.adapters.rules_file import load_rules
    from services.sla.handlers.ladder_poller import LadderPoller
    from shared.unit_of_work import UnitOfWorkFactory

    class At:
        def __init__(self, moment):
            self.moment = moment

        def now(self):
            return self.moment

    appeal = uuid.uuid4()
    dispatched_at = datetime(2031, 3, 3, 2, tzinfo=UTC)  # a year whose deadlines no other test reaches
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(dispatched(appeal, dispatched_at)),
        record(AppealReturned(appeal_id=appeal, unit_code="SAMR", reason="不属于本局职责",
                              returned_at=dispatched_at + timedelta(hours=3))),
    ])

    async def returned() -> bool:
        row = await row_of(db, appeal)
        return row is not None and row["state"] == "returned"
    await eventually(returned, what="the returned letter's clock to stop")
    row = await row_of(db, appeal)
    assert row["next_fire_at"] is None and row["stopped_at"] == dispatched_at + timedelta(hours=3)

    # A poller far past every step of SAMR's deadline (level 3 included) fires nothing for it.
    pool = sla.app.state.context.pool
    poller = LadderPoller(UnitOfWorkFactory(pool, "sla"), load_rules(), CalendarCache(),
                          At(datetime(2031, 6, 30, tzinfo=UTC)), batch=500)
    while await poller.fire_due():
        pass
    assert await db.fetchval("SELECT count(*) FROM sla.ladder_fired WHERE appeal_id = $1", appeal) == 0
    overdue = (await sla.get("/v1/supervision/appeals", params={"unit": "SAMR", "page_size": 500},
                             headers=bearer(settings, "supervisor"))).json()
    assert str(appeal) not in {item["appeal_id"] for item in overdue["items"]}
    explained = (await sla.get(f"/v1/deadlines/{appeal}/explanation", headers=bearer(settings, "supervisor"))).json()
    assert explained["state"] == "returned" and explained["meaning"].startswith("returned by SAMR")

    # The centre re-dispatches to WATER a week later; WATER signs two days after that.
    redispatched_at = dispatched_at + timedelta(days=7)
    signed_at = redispatched_at + timedelta(days=2)
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(AppealRedispatched(appeal_id=appeal, from_unit_code="SAMR", unit_code="WATER", unit_name="水务局",
                                  reason="供水问题归水务局", attempt=2, redispatched_at=redispatched_at)),
        record(AppealSigned(appeal_id=appeal, unit_code="WATER", signed_at=signed_at)),
    ])

    async def held_by_water() -> bool:
        row = await row_of(db, appeal)
        return row["unit_code"] == "WATER" and row["state"] == "open"
    await eventually(held_by_water, what="WATER's clock")
    row = await row_of(db, appeal)
    assert row["starts_on"] == signed_at.astimezone(SH).date() and row["epoch"] == 2 and row["working_days"] == 20
    while await poller.fire_due():
        pass
    events = await sla_events(settings, appeal, expect=8)
    ladder = [(k.split(".")[-2], e["unit_code"]) for k, e in events
              if k.split(".")[-2] in ("reminder-due", "overdue", "supervision-raised")]
    assert ladder and {unit for _, unit in ladder} == {"WATER"}, ladder
    assert ("overdue", "WATER") in ladder
    reasons = [e.get("reason") for k, e in events if k.endswith("deadline-set.v1")]
    assert reasons == ["dispatched", "redispatched", "signed"]


async def test_calendar_upload_validates_then_recounts_provisional_deadlines(sla, settings, db):
    bad = await sla.put("/v1/calendar/2027", json={"holidays": ["2026-12-31"], "workdays": ["2027-02-08"]},
                        headers=bearer(settings, "supervisor"))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"holidays[0].date", "workdays[0]"}
    assert await db.fetchval("SELECT count(*) FROM sla.calendar_years") == 0
    forbidden = await sla.put("/v1/calendar/2027", json={"holidays": []}, headers=bearer(settings, "operator"))
    assert forbidden.status_code == 403

    appeal = uuid.uuid4()
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING), [
        record(dispatched(appeal, datetime(2026, 12, 15, 3, tzinfo=UTC))),
    ])

    async def provisional() -> bool:
        row = await row_of(db, appeal)
        return row is not None and row["provisional"]
    await eventually(provisional, what="a provisional deadline crossing into 2027")
    assert (await row_of(db, appeal))["due_at"] == datetime(2027, 1, 14, tzinfo=SH)

    body = {"holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-01-04", "name": "元旦"},
                         "2027-01-05"], "workdays": ["2027-01-09"], "label": "gov-2027"}
    loaded = await sla.put("/v1/calendar/2027", json=body, headers=bearer(settings, "supervisor"))
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["changed"] and loaded.json()["recomputed_deadlines"] >= 1
    same = await sla.put("/v1/calendar/2027", json=body, headers=bearer(settings, "admin"))
    assert same.json()["changed"] is False

    row = await row_of(db, appeal)
    assert not row["provisional"] and row["due_at"] == datetime(2027, 1, 15, tzinfo=SH)
    events = await sla_events(settings, appeal, expect=2)
    assert events[-1][1]["reason"] == "calendar_loaded"
    assert events[-1][1]["previous_due_at"].startswith("2027-01-13T16:00:00")
    calendars = await read_topic(settings.kafka_bootstrap, settings.topic(topics.SLA), expect=1,
                                 keys={b"calendar:2027"})
    assert len(calendars) == 1 and json.loads(calendars[0].value)["version"].startswith("gov-2027-")
    explained = (await sla.get(f"/v1/deadlines/{appeal}/explanation", headers=bearer(settings, "supervisor"))).json()
    assert {"date": "2027-01-04", "why": f"holiday: 元旦 ({loaded.json()['version']})"} in explained["skipped"]
    assert (await sla.get("/v1/calendar/2027", headers=bearer(settings, "unit", "SAMR"))).json()["source"] == "loaded"


async def test_concentrated_appeals_are_detected_once_and_put_under_key_supervision(sla, settings, db):
    from shared.contracts.events import AppealAccepted, Classification

    district = "kangping"
    at = datetime(2026, 6, 1, 2, tzinfo=UTC)
    ids = [uuid.uuid4() for _ in range(12)]  # min_members in rules.json
    ordinary = [uuid.uuid4() for _ in range(5)]  # five of one category and district: ordinary traffic
    marker = uuid.uuid4().hex[:6]  # this run's place, unlike any other test's
    accepted = [AppealAccepted(
        appeal_id=appeal_id, tracking_number="SY20260601ABCDEFGH", channel="phone", appeal_type="consumer_complaint",
        category="water_supply", district=district,
        description=("", "你好，", "我要反映，")[i % 3] + f"康平县{marker}小区{i % 4 + 1}号楼停水两天了，整栋楼没有自来水",
        private=False, enterprise=(i == 0), classification=Classification(method="stated"),
        accepted_at=at + timedelta(minutes=20 * i),
    ) for i, appeal_id in enumerate(ids)]
    accepted += [AppealAccepted(
        appeal_id=appeal_id, tracking_number="SY20260601ABCDEFGH", channel="phone", appeal_type="consumer_complaint",
        category="water_supply", district=district, description=f"第{i}件：不同的描述内容{i * 7}", private=False,
        classification=Classification(method="stated"), accepted_at=at + timedelta(hours=i),
    ) for i, appeal_id in enumerate(ordinary)]
    await produce(settings.kafka_bootstrap, settings.topic(topics.INTAKE),
                  [record(a) for a in accepted] + [record(accepted[11])])  # the last alike one delivered twice

    async def supervised() -> bool:
        return await db.fetchval("SELECT count(*) FROM sla.accepted_appeals WHERE appeal_id = ANY($1::uuid[]) "
                                 "AND key_supervision", ids) == 12
    await eventually(supervised, what="twelve appeals under key supervision")
    clusters = await db.fetch("SELECT DISTINCT group_id FROM sla.problem_group_members WHERE appeal_id = ANY($1::uuid[])",
                              ids)
    assert len(clusters) == 1
    detected = await read_topic(settings.kafka_bootstrap, settings.topic(topics.SLA), expect=1,
                                keys={str(clusters[0]["group_id"]).encode()})
    assert len(detected) == 1
    body = json.loads(detected[0].value)
    assert sorted(body["appeal_ids"]) == sorted(map(str, ids)) and body["district"] == district
    assert "description" not in body and "similar text" in body["rule"]
    flags = await db.fetchval("SELECT early_reminder FROM sla.accepted_appeals WHERE appeal_id = $1", ids[0])
    assert flags is True  # an enterprise's appeal gets the early reminder
    assert not await db.fetchval("SELECT bool_or(key_supervision) FROM sla.accepted_appeals "
                                 "WHERE appeal_id = ANY($1::uuid[])", ordinary)
    assert await db.fetchval("SELECT member_count FROM sla.problem_groups WHERE group_id = $1",
                             clusters[0]["group_id"]) == 12, "the redelivery counted once"


async def test_a_growing_cluster_adds_only_the_new_member_and_is_announced_once(sla, settings, db):
    from shared.contracts.events import AppealAccepted, Classification

    def accepted(appeal_id, text, at):
        return AppealAccepted(
            appeal_id=appeal_id, tracking_number="SY20260701ABCDEFGH", channel="web",
            appeal_type="consumer_complaint", category="prices", district="hunnan", description=text,
            private=False, enterprise=False, classification=Classification(method="stated"), accepted_at=at)

    at = datetime(2026, 7, 1, 2, tzinfo=UTC)
    alike = [uuid.uuid4() for _ in range(14)]  # min_members 12: opens with 12, then grows by 2
    marker = uuid.uuid4().hex  # this run's text, unlike any other test's
    text = f"浑南区某小区物业强制收取停车费，业主多次反映无人处理{marker}"
    events = [accepted(a, ("", "你好，", "请尽快处理：")[i % 3] + text, at + timedelta(minutes=10 * i))
              for i, a in enumerate(alike)]
    await produce(settings.kafka_bootstrap, settings.topic(topics.INTAKE), [record(e) for e in events[:12]])

    async def count(n: int) -> bool:
        return await db.fetchval("SELECT count(*) FROM sla.accepted_appeals WHERE appeal_id = ANY($1::uuid[]) "
                                 "AND key_supervision", alike) == n
    await eventually(lambda: count(12), what="the cluster opened")
    await produce(settings.kafka_bootstrap, settings.topic(topics.INTAKE), [record(e) for e in events[12:]])
    await eventually(lambda: count(14), what="every member under key supervision")

    rows = await db.fetch("SELECT group_id, appeal_id FROM sla.problem_group_members WHERE appeal_id = ANY($1::uuid[])",
                          alike)
    assert len({r["group_id"] for r in rows}) == 1 and sorted(r["appeal_id"] for r in rows) == sorted(alike)
    group_id = rows[0]["group_id"]
    detected = await read_topic(settings.kafka_bootstrap, settings.topic(topics.SLA), expect=1,
                                keys={str(group_id).encode()})
    assert len(detected) == 1, "announced once, when it opened"
    assert len(json.loads(detected[0].value)["appeal_ids"]) == 12
    group = await db.fetchrow("SELECT * FROM sla.problem_groups WHERE group_id = $1", group_id)
    assert group["member_count"] == 14 and group["concentrated_at"] is not None
    assert await db.fetchval("SELECT count(*) FROM sla.problem_group_exemplars WHERE group_id = $1", group_id) == 8
