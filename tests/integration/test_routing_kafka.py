"""Routing over Kafka: units' actions applied once or dead-lettered with a reason, deadlines in
the inbox, evaluations closing or reopening, directory edits applying to new dispatches only."""

import uuid
from datetime import UTC, date, datetime

import pytest

from shared.contracts import topics
from shared.contracts.events import AppealEvaluated, DeadlineSet, ReplyToAppeal, SignAppeal
from tests.integration.helpers import eventually, read_topic
from tests.integration.test_routing_support import SPEC, accepted, publish, routing_events, wait_for_state
from tests.support import bearer, running_service


@pytest.fixture
async def routing(settings):
    async with running_service(SPEC, settings) as client:
        yield client


async def test_unit_actions_over_kafka_apply_once_and_refusals_are_dead_lettered(routing, settings, db):
    appeal = accepted()
    await publish(settings, topics.INTAKE, appeal)
    await wait_for_state(db, appeal.appeal_id, "dispatched")
    aid = appeal.appeal_id
    early_reply = ReplyToAppeal(action_id="k-reply-0", appeal_id=aid, unit_code="SAMR", reply="已处理", outcome="solved")
    stranger = SignAppeal(action_id="k-sign-x", appeal_id=aid, unit_code="TAX")
    sign = SignAppeal(action_id="k-sign-1", appeal_id=aid, unit_code="SAMR")
    await publish(settings, topics.UNIT_ACTIONS, early_reply, stranger, sign, sign)  # sign twice, new event ids
    await wait_for_state(db, aid, "signed")
    await publish(settings, topics.UNIT_ACTIONS,
                  ReplyToAppeal(action_id="k-reply-1", appeal_id=aid, unit_code="SAMR", reply="已退还差价",
                                outcome="solved"))
    await wait_for_state(db, aid, "replied")

    letters = await read_topic(settings.kafka_bootstrap, settings.topic(topics.dead_letter_topic("routing")),
                               expect=2, keys={str(aid).encode()})
    reasons = sorted(dict(r.headers)["hotline_dlq_reason"].decode() for r in letters)
    assert len(reasons) == 2, reasons
    assert reasons[0].startswith("conflict: cannot reply") and "sign for the letter first" in reasons[0]
    assert reasons[1] == "not_found: no such appeal for unit TAX"
    assert await routing_events(settings, aid, expect=3) == [
        "hotline.appeal.dispatched.v1", "hotline.appeal.signed.v1", "hotline.appeal.replied.v1"]
    assert await db.fetchval("SELECT count(*) FROM routing.unit_actions WHERE appeal_id = $1", aid) == 2

    # dissatisfied and unsolved: back to the same unit; its second reply is then rated satisfied
    rating = dict(satisfaction="dissatisfied", solved=False, via="web", unit_code="SAMR",
                  evaluated_at=datetime.now(UTC))
    await publish(settings, topics.PUBLICATION, AppealEvaluated(appeal_id=aid, reopen_requested=True, **rating))
    await wait_for_state(db, aid, "signed")
    await publish(settings, topics.UNIT_ACTIONS,
                  ReplyToAppeal(action_id="k-reply-2", appeal_id=aid, unit_code="SAMR", reply="已再次核实并退款",
                                outcome="solved"))
    await wait_for_state(db, aid, "replied")
    await publish(settings, topics.PUBLICATION, AppealEvaluated(
        appeal_id=aid, **{**rating, "satisfaction": "satisfied", "solved": True}))
    await wait_for_state(db, aid, "closed")
    assert (await routing_events(settings, aid, expect=6))[3:] == [
        "hotline.appeal.reopened.v1", "hotline.appeal.replied.v1", "hotline.appeal.closed.v1"]


async def test_inbox_shows_deadlines_and_states_paged(routing, settings, db):
    appeals = [accepted(category="telecommunications", description="宽带断网三天") for _ in range(3)]
    await publish(settings, topics.INTAKE, *appeals)
    for a in appeals:
        await wait_for_state(db, a.appeal_id, "dispatched")
    due = datetime(2026, 12, 25, 16, tzinfo=UTC)
    await publish(settings, topics.SLA, DeadlineSet(
        appeal_id=appeals[1].appeal_id, unit_code="TELECOM-ADMIN", starts_on=date(2026, 11, 30), working_days=20,
        due_at=due, provisional=False, calendar_version="2026", reason="signed"))

    async def deadline_known() -> bool:
        return await db.fetchval("SELECT count(*) FROM routing.deadlines WHERE appeal_id = $1",
                                 appeals[1].appeal_id) == 1
    await eventually(deadline_known, what="the deadline to reach routing")
    unit = bearer(settings, "unit", "TELECOM-ADMIN")
    first = (await routing.get("/v1/units/TELECOM-ADMIN/appeals", headers=unit, params={"page_size": 2})).json()
    assert first["total"] >= 3 and len(first["items"]) == 2
    top = first["items"][0]
    assert top["appeal_id"] == str(appeals[1].appeal_id), "soonest deadline first"
    assert top["deadline"]["due_at"].startswith("2026-12-25T16:00") and top["state"] == "dispatched"
    ids = {i["appeal_id"] for p in (1, 2) for i in (await routing.get(
        "/v1/units/TELECOM-ADMIN/appeals", headers=unit, params={"page_size": 2, "page": p})).json()["items"]}
    assert {str(a.appeal_id) for a in appeals} <= ids
    bad = await routing.get("/v1/units/TELECOM-ADMIN/appeals", headers=unit, params={"page_size": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.page_size"


async def test_directory_edits_are_versioned_events_that_apply_to_new_dispatches_only(routing, settings, db):
    word = f"测试词{uuid.uuid4().hex[:6]}"
    before = accepted(category="prices", description=f"{word}收费不合理")
    await publish(settings, topics.INTAKE, before)
    await wait_for_state(db, before.appeal_id, "dispatched")
    operator = bearer(settings, "operator", subject="op-dir")
    code = f"T-{uuid.uuid4().hex[:6].upper()}"
    r = await routing.put(f"/v1/directory/units/{code}", headers=operator, json={
        "name_zh": "沈阳市发展和改革委员会", "name_en": "Shenyang Development and Reform Commission",
        "group": "municipal_department", "categories": ["prices"], "reason": "价格主管部门"})
    assert r.status_code == 200, r.text
    r = await routing.put(f"/v1/directory/rules/price-{code.lower()}", headers=operator, json={
        "appeal_type": "consumer_complaint", "categories": ["prices"], "keywords": [word], "lead": code,
        "co": ["SAMR"], "reason": "政府定价项目"})
    assert r.status_code == 200, r.text
    version = r.json()["version"]

    after = accepted(category="prices", description=f"{word}收费不合理")
    await publish(settings, topics.INTAKE, after)
    await wait_for_state(db, after.appeal_id, "dispatched")
    rows = {r["appeal_id"]: r for r in await db.fetch(
        "SELECT appeal_id, unit_code, co_unit_codes, rule_id, directory_version FROM routing.transfers "
        "WHERE appeal_id = ANY($1::uuid[])", [before.appeal_id, after.appeal_id])}
    assert rows[before.appeal_id]["unit_code"] == "SAMR", "a letter already sent is not re-decided"
    assert (rows[after.appeal_id]["unit_code"], rows[after.appeal_id]["co_unit_codes"]) == (code, ["SAMR"])
    assert rows[after.appeal_id]["directory_version"] == version

    explained = (await routing.get("/v1/directory/explain", headers=bearer(settings, "unit", "SAMR"), params={
        "appeal_type": "consumer_complaint", "category": "prices", "district": "heping", "text": word})).json()
    assert explained["rule_id"] == f"price-{code.lower()}" and explained["co"] == ["SAMR"]

    refused = await routing.put("/v1/directory/rules/bad-rule", headers=operator, json={
        "appeal_type": "consumer_complaint", "categories": ["taxation"], "lead": code, "reason": "x"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "categories"
    in_use = await routing.delete(f"/v1/directory/units/{code}", headers=operator, params={"reason": "撤销"})
    assert in_use.status_code == 422 and "still name" in in_use.text
    as_unit = await routing.put(f"/v1/directory/units/{code}", headers=bearer(settings, "unit", "SAMR"),
                                json={"name_zh": "x", "name_en": "x", "group": "enterprise", "reason": "x"})
    assert as_unit.status_code == 403

    changes = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=2,
                               keys={f"directory:{version - 1}".encode(), f"directory:{version}".encode()})
    assert sorted(dict(r.headers)["ce_type"].decode() for r in changes) == ["hotline.directory.changed.v1"] * 2
    assert await db.fetchval("SELECT changed_by FROM routing.directory_versions WHERE version = $1",
                             version) == "op-dir"


async def test_a_batch_of_accepted_appeals_is_dispatched_once_each_in_order(routing, settings, db):
    """Many AppealAccepted in one Kafka batch: each appeal gets one transfer and one letter, a repeated
    AppealAccepted (new event id) changes nothing, and one no rule covers waits for an operator."""
    appeals = [accepted() for _ in range(30)]
    unroutable = accepted(appeal_type="public_service_request", category="policies", district="dalian",
                          description="咨询落户政策")
    repeated = appeals[7]
    await publish(settings, topics.INTAKE, *appeals[:15], repeated, unroutable, *appeals[15:], repeated)
    for a in appeals:
        await wait_for_state(db, a.appeal_id, "dispatched")
    await wait_for_state(db, unroutable.appeal_id, "awaiting_operator")
    ids = [a.appeal_id for a in appeals]
    letters = await db.fetch("SELECT appeal_id, unit_code, attempt FROM routing.letters WHERE appeal_id = ANY($1)",
                             ids + [unroutable.appeal_id])
    assert sorted((r["appeal_id"], r["unit_code"], r["attempt"]) for r in letters) == sorted(
        (i, "SAMR", 1) for i in ids)
    trail = await db.fetchval("SELECT unit_trail FROM routing.transfers WHERE appeal_id = $1", repeated.appeal_id)
    assert trail == ["SAMR"]
    assert await routing_events(settings, repeated.appeal_id, expect=1) == ["hotline.appeal.dispatched.v1"]
    assert await routing_events(settings, unroutable.appeal_id, expect=1) == ["hotline.appeal.queued-for-dispatch.v1"]
