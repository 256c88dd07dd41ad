"""Routing's HTTP API against the real database and broker: units act only on their own
appeals, in order, once; operators review returns and dispatch by hand; loops escalate."""

import uuid

import pytest

from shared.contracts import topics
from tests.integration.test_routing_support import SPEC, accepted, publish, routing_events, wait_for_state
from tests.support import bearer, running_service


@pytest.fixture
async def routing(settings):
    async with running_service(SPEC, settings) as client:
        yield client


def act(unit: str, appeal_id, verb: str) -> str:
    return f"/v1/units/{unit}/appeals/{appeal_id}/{verb}"


async def dispatched(settings, db, **kw):
    appeal = accepted(**kw)
    await publish(settings, topics.INTAKE, appeal)
    await wait_for_state(db, appeal.appeal_id, "dispatched")
    return appeal.appeal_id


async def test_dispatched_returned_redispatched_signed_replied(routing, settings, db):
    appeal_id = await dispatched(settings, db)
    samr, health = bearer(settings, "unit", "SAMR"), bearer(settings, "unit", "HEALTH")
    operator = bearer(settings, "operator", subject="op-7")

    inbox = (await routing.get("/v1/units/SAMR/appeals", headers=samr, params={"page_size": 100})).json()
    assert str(appeal_id) in {i["appeal_id"] for i in inbox["items"]}

    r = await routing.post(act("SAMR", appeal_id, "return"), headers=samr,
                           json={"action_id": "ret-1", "reason": "医疗机构收费问题，不属于本局职责"})
    assert r.status_code == 200 and r.json()["state"] == "returned"
    assert (await routing.get(f"/v1/units/SAMR/appeals/{appeal_id}", headers=samr)).status_code == 404

    queue = (await routing.get("/v1/dispatch-queue", headers=operator,
                               params={"state": "returned", "page_size": 100})).json()
    entry = next(i for i in queue["items"] if i["appeal_id"] == str(appeal_id))
    assert "returned by SAMR" in entry["waiting_reason"]

    r = await routing.post(f"/v1/appeals/{appeal_id}/review", headers=operator,
                           json={"decision": "redispatch", "unit_code": "HEALTH", "reason": "医疗收费归卫健委"})
    assert r.status_code == 200 and r.json() == {"state": "dispatched", "attempt": 2, "unit_code": "HEALTH",
                                                 "escalation": None}
    assert (await routing.post(act("HEALTH", appeal_id, "sign"), headers=health,
                               json={"action_id": "s-1"})).json()["state"] == "signed"
    r = await routing.post(act("HEALTH", appeal_id, "reply"), headers=health,
                           json={"action_id": "r-1", "reply": "已责令医院退还多收费用。", "outcome": "solved"})
    assert r.json()["state"] == "replied"

    history = (await routing.get(f"/v1/appeals/{appeal_id}", headers=operator)).json()
    assert [(x["unit_code"], x["rule_id"], x["sent_by"]) for x in history["letters"]] == [
        ("SAMR", "consumer-market", "catalogue"), ("HEALTH", "manual:operator", "op-7")]
    assert history["letters"][0]["return_reason"] and history["letters"][1]["signed_at"]
    assert await routing_events(settings, appeal_id, expect=5) == [
        "hotline.appeal.dispatched.v1", "hotline.appeal.returned.v1", "hotline.appeal.redispatched.v1",
        "hotline.appeal.signed.v1", "hotline.appeal.replied.v1"]


async def test_out_of_order_and_repeated_actions_change_nothing(routing, settings, db):
    appeal_id = await dispatched(settings, db)
    samr = bearer(settings, "unit", "SAMR")
    r = await routing.post(act("SAMR", appeal_id, "reply"), headers=samr,
                           json={"action_id": "early", "reply": "已处理", "outcome": "solved"})
    assert r.status_code == 409 and "sign for the letter first" in r.json()["detail"]
    r = await routing.post(act("SAMR", appeal_id, "extension"), headers=samr,
                           json={"action_id": "ext-early", "working_days": 5, "reason": "需要现场核查"})
    assert r.status_code == 409

    first = await routing.post(act("SAMR", appeal_id, "sign"), headers=samr, json={"action_id": "sign-a"})
    again = await routing.post(act("SAMR", appeal_id, "sign"), headers=samr, json={"action_id": "sign-a"})
    other = await routing.post(act("SAMR", appeal_id, "sign"), headers=samr, json={"action_id": "sign-b"})
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert other.status_code == 409 and "already signed" in other.json()["detail"]
    reused = await routing.post(act("SAMR", appeal_id, "return"), headers=samr,
                                json={"action_id": "sign-a", "reason": "不是我们的"})
    assert reused.status_code == 409 and "already used" in reused.json()["detail"]

    ext = {"action_id": "ext-1", "working_days": 10, "reason": "需要跨部门协调"}
    assert (await routing.post(act("SAMR", appeal_id, "extension"), headers=samr, json=ext)).status_code == 200
    second = await routing.post(act("SAMR", appeal_id, "extension"), headers=samr, json={**ext, "action_id": "ext-2"})
    assert second.status_code == 409 and "waiting for a decision" in second.json()["detail"]

    too_long = await routing.post(act("SAMR", appeal_id, "reply"), headers=samr,
                                  json={"action_id": "long", "reply": "长" * 4001, "outcome": "solved"})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "reply"
    assert await db.fetchval("SELECT state FROM routing.transfers WHERE appeal_id = $1", appeal_id) == "signed"
    assert await routing_events(settings, appeal_id, expect=3) == [
        "hotline.appeal.dispatched.v1", "hotline.appeal.signed.v1", "hotline.appeal.extension-requested.v1"]


async def test_a_unit_sees_and_acts_only_on_its_own_appeals(routing, settings, db):
    appeal_id = await dispatched(settings, db, appeal_type="economic_violation_report", category="economic_crime",
                                 description="某公司涉嫌非法集资")
    police, samr, tax = (bearer(settings, "unit", c) for c in ("PUBLIC-SECURITY", "SAMR", "TAX"))

    lead_view = (await routing.get(f"/v1/units/PUBLIC-SECURITY/appeals/{appeal_id}", headers=police)).json()
    co_view = (await routing.get(f"/v1/units/SAMR/appeals/{appeal_id}", headers=samr)).json()
    assert lead_view["role"] == "lead" and lead_view["contact"]["phone"] == "13912345678"
    assert co_view["role"] == "co" and co_view["contact"] is None

    for path, headers in [(f"/v1/units/TAX/appeals/{appeal_id}", tax),
                          (f"/v1/units/PUBLIC-SECURITY/appeals/{appeal_id}", tax),
                          (f"/v1/units/TAX/appeals/{uuid.uuid4()}", tax)]:
        assert (await routing.get(path, headers=headers)).status_code == 404
    r = await routing.post(act("TAX", appeal_id, "sign"), headers=tax, json={"action_id": "x"})
    unknown = await routing.post(act("TAX", uuid.uuid4(), "sign"), headers=tax, json={"action_id": "x"})
    assert r.status_code == unknown.status_code == 404 and r.json() == unknown.json(), "existence does not leak"
    assert (await routing.get("/v1/units/SAMR/appeals", headers=tax)).status_code == 403
    assert (await routing.get("/v1/dispatch-queue", headers=tax)).status_code == 403
    assert (await routing.get("/v1/units/TAX/appeals")).status_code == 401

    r = await routing.post(act("SAMR", appeal_id, "sign"), headers=samr, json={"action_id": "co-sign"})
    assert r.status_code == 403 and "only the lead unit" in r.json()["detail"]
    r = await routing.post(act("SAMR", appeal_id, "reply"), headers=samr,
                           json={"action_id": "co-1", "reply": "经查该公司无营业执照。"})
    assert r.status_code == 200 and r.json()["action"] == "co_reply" and r.json()["state"] == "dispatched"
    lead_view = (await routing.get(f"/v1/units/PUBLIC-SECURITY/appeals/{appeal_id}", headers=police)).json()
    assert [c["unit_code"] for c in lead_view["co_handler_replies"]] == ["SAMR"]
    # the co-handling unit reads its own contribution back (the lead unit reads every one)
    co_view = (await routing.get(f"/v1/units/SAMR/appeals/{appeal_id}", headers=samr)).json()
    assert [(c["unit_code"], c["reply"]) for c in co_view["co_handler_replies"]] == [("SAMR", "经查该公司无营业执照。")]


async def test_bouncing_back_escalates_and_an_operator_dispatches_by_hand(routing, settings, db):
    appeal_id = await dispatched(settings, db, category="tourism", description="旅行社强制购物")
    operator = bearer(settings, "operator")

    async def unit_returns(unit: str, n: int) -> dict:
        r = await routing.post(act(unit, appeal_id, "return"), headers=bearer(settings, "unit", unit),
                               json={"action_id": f"ret-{n}", "reason": "不属于本单位职责"})
        assert r.status_code == 200, r.text
        return r.json()

    await unit_returns("CULTURE-TOURISM", 1)
    r = await routing.post(f"/v1/appeals/{appeal_id}/review", headers=operator,
                           json={"decision": "redispatch", "unit_code": "SAMR", "reason": "价格问题"})
    assert r.json()["state"] == "dispatched"
    await unit_returns("SAMR", 2)
    r = await routing.post(f"/v1/appeals/{appeal_id}/review", headers=operator,
                           json={"decision": "redispatch", "unit_code": "CULTURE-TOURISM", "reason": "再派"})
    assert r.status_code == 200 and r.json()["state"] == "escalated"
    assert "CULTURE-TOURISM -> SAMR -> CULTURE-TOURISM" in r.json()["escalation"]

    queue = (await routing.get("/v1/dispatch-queue", headers=operator, params={"state": "escalated",
                                                                             "page_size": 100})).json()
    assert str(appeal_id) in {i["appeal_id"] for i in queue["items"]}
    bad = await routing.post(f"/v1/appeals/{appeal_id}/dispatch", headers=operator,
                             json={"unit_code": "NO-SUCH-UNIT", "reason": "人工派单"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "unit_code"
    r = await routing.post(f"/v1/appeals/{appeal_id}/dispatch", headers=operator,
                           json={"unit_code": "DIST-HEPING", "reason": "属地管理"})
    assert r.json() == {"state": "dispatched", "attempt": 3, "unit_code": "DIST-HEPING", "escalation": None}
    assert (await routing_events(settings, appeal_id, expect=6))[-2:] == [
        "hotline.appeal.escalated.v1", "hotline.appeal.redispatched.v1"]


async def test_three_returns_escalate_without_waiting_for_review(routing, settings, db):
    appeal_id = await dispatched(settings, db, category="water_supply", description="自来水水压低")
    operator = bearer(settings, "operator")
    for n, unit in enumerate(["WATER-GROUP", "WATER-GROUP"], start=1):
        await routing.post(act(unit, appeal_id, "return"), headers=bearer(settings, "unit", unit),
                           json={"action_id": f"r{n}", "reason": "小区二次供水归物业"})
        r = await routing.post(f"/v1/appeals/{appeal_id}/review", headers=operator,
                               json={"decision": "uphold", "reason": "市政供水属于水务集团"})
        assert r.json()["state"] == "dispatched", r.text
    r = await routing.post(act("WATER-GROUP", appeal_id, "return"), headers=bearer(settings, "unit", "WATER-GROUP"),
                           json={"action_id": "r3", "reason": "仍然不是我们的"})
    assert r.json()["state"] == "escalated" and "returned 3 times" in r.json()["escalation"]


async def test_an_appeal_no_rule_covers_waits_in_the_queue(routing, settings, db):
    appeal = accepted(appeal_type="public_service_request", category="policies", district="dalian",
                      description="咨询落户政策")
    await publish(settings, topics.INTAKE, appeal)
    await wait_for_state(db, appeal.appeal_id, "awaiting_operator")
    operator = bearer(settings, "operator")
    r = await routing.post(act("SAMR", appeal.appeal_id, "sign"), headers=bearer(settings, "unit", "SAMR"),
                           json={"action_id": "nope"})
    assert r.status_code == 404
    r = await routing.post(f"/v1/appeals/{appeal.appeal_id}/review", headers=operator,
                           json={"decision": "uphold", "reason": "x"})
    assert r.status_code == 409 and "dispatch queue" in r.json()["detail"]
    r = await routing.post(f"/v1/appeals/{appeal.appeal_id}/dispatch", headers=operator,
                           json={"unit_code": "HR-SOCIAL", "co_unit_codes": ["DIST-HEPING"], "reason": "户籍政策"})
    assert r.json()["attempt"] == 1
    assert await routing_events(settings, appeal.appeal_id, expect=2) == [
        "hotline.appeal.queued-for-dispatch.v1", "hotline.appeal.dispatched.v1"]


async def test_a_returned_letter_shows_which_catalogue_rule_fits_and_why(routing, settings, db):
    appeal_id = await dispatched(settings, db, appeal_type="public_service_request", category="livelihood",
                                 description="小区暖气不热，供暖温度不达标。")
    estate, operator = bearer(settings, "unit", "REAL-ESTATE"), bearer(settings, "operator")
    fit_url = f"/v1/appeals/{appeal_id}/catalogue-fit"
    first = (await routing.get(fit_url, headers=operator)).json()
    assert first["fits"][0]["rule_id"] == "request-heating" and first["fits"][0]["lead"] == "REAL-ESTATE"
    assert set(first["fits"][0]["matched"]["keywords"]) == {"暖气", "供暖"}
    assert first["fits"][0]["matched"]["category"] == "livelihood" and first["advised"]["lead"] == "REAL-ESTATE"
    assert first["fits"][-1]["fallback"] and first["fits"][-1]["lead"] == "DIST-HEPING"

    r = await routing.post(act("REAL-ESTATE", appeal_id, "return"), headers=estate,
                           json={"action_id": "ret-heat", "reason": "供热归供热办"})
    assert r.json()["state"] == "returned"
    after = (await routing.get(fit_url, headers=operator)).json()
    assert after["returned_by"] == ["REAL-ESTATE"] and after["fits"][0]["returned"] is True
    assert after["advised"]["lead"] != "REAL-ESTATE" and after["advised"]["returned"] is False

    assert (await routing.get(fit_url, headers=estate)).status_code == 403
    assert (await routing.get(f"/v1/appeals/{uuid.uuid4()}/catalogue-fit", headers=operator)).status_code == 404
