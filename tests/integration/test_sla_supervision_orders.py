"""Supervision orders and the unit's notices against the real broker and database: issued once
per action id, told to the unit on the unit-facing topic keyed by its code, answered once, and
never visible to another unit."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.sla.entrypoint import SPEC
from shared.contracts import topics
from tests.integration.helpers import eventually, produce, read_topic
from tests.integration.test_sla_lifecycle import dispatched, record
from tests.support import bearer, running_service


@pytest.fixture
async def sla(settings):
    async with running_service(SPEC, settings) as client:
        yield client


async def test_an_order_reaches_its_unit_once_and_is_answered_once(sla, settings, db):
    appeal = uuid.uuid4()
    await produce(settings.kafka_bootstrap, settings.topic(topics.ROUTING),
                  [record(dispatched(appeal, datetime.now(UTC) - timedelta(hours=1)))])

    async def known() -> bool:
        return await db.fetchval("SELECT count(*) FROM sla.deadlines WHERE appeal_id = $1", appeal) == 1
    await eventually(known, what="sla to start the clock")

    body = {"action_id": f"order-{appeal}", "appeal_id": str(appeal), "mode": "leader_interview",
            "instructions": "请单位负责人两个工作日内说明超期原因。"}
    as_unit = await sla.post("/v1/supervision/orders", json=body, headers=bearer(settings, "unit", "SAMR"))
    assert as_unit.status_code == 403
    wrong_mode = await sla.post("/v1/supervision/orders", json={**body, "mode": "shouting"},
                                headers=bearer(settings, "supervisor"))
    assert wrong_mode.status_code == 422 and "mode" in wrong_mode.text
    issued = await sla.post("/v1/supervision/orders", json=body, headers=bearer(settings, "supervisor", subject="boss"))
    assert issued.status_code == 201, issued.text
    order = issued.json()
    assert (order["unit_code"], order["replayed"]) == ("SAMR", False)
    again = await sla.post("/v1/supervision/orders", json=body, headers=bearer(settings, "supervisor"))
    assert again.json()["order_id"] == order["order_id"] and again.json()["replayed"] is True
    assert await db.fetchval("SELECT count(*) FROM sla.supervision_orders WHERE appeal_id = $1", appeal) == 1

    # told to the unit on its topic, keyed by its code, once
    notices = await read_topic(settings.kafka_bootstrap, settings.topic(topics.UNIT_NOTICES), expect=1,
                               keys={b"SAMR"})
    told = [json.loads(r.value) for r in notices if json.loads(r.value).get("order_id") == order["order_id"]]
    assert len(told) == 1 and told[0]["kind"] == "supervision_order" and told[0]["mode"] == "leader_interview"

    # the unit sees it; another unit neither sees nor answers it
    mine = await sla.get(f"/v1/units/SAMR/notices?appeal_id={appeal}", headers=bearer(settings, "unit", "SAMR"))
    assert [n["order_id"] for n in mine.json()["items"] if n["kind"] == "supervision_order"] == [order["order_id"]]
    others = await sla.get("/v1/units/SAMR/notices", headers=bearer(settings, "unit", "WATER-GROUP"))
    assert others.status_code == 403
    own = await sla.get("/v1/units/WATER-GROUP/notices", headers=bearer(settings, "unit", "WATER-GROUP"))
    assert all(n["appeal_id"] != str(appeal) for n in own.json()["items"])
    answer = {"action_id": "a-1", "answer": "已约谈，明日完成整改。"}
    stranger = await sla.post(f"/v1/units/WATER-GROUP/orders/{order['order_id']}/answer", json=answer,
                              headers=bearer(settings, "unit", "WATER-GROUP"))
    assert stranger.status_code == 404

    answered = await sla.post(f"/v1/units/SAMR/orders/{order['order_id']}/answer", json=answer,
                              headers=bearer(settings, "unit", "SAMR", subject="clerk"))
    assert answered.status_code == 200 and answered.json()["replayed"] is False
    resent = await sla.post(f"/v1/units/SAMR/orders/{order['order_id']}/answer", json=answer,
                            headers=bearer(settings, "unit", "SAMR"))
    assert resent.json()["replayed"] is True
    different = await sla.post(f"/v1/units/SAMR/orders/{order['order_id']}/answer",
                               json={"action_id": "a-2", "answer": "另一个答复"}, headers=bearer(settings, "unit", "SAMR"))
    assert different.status_code == 409

    found = await read_topic(settings.kafka_bootstrap, settings.topic(topics.SLA), expect=3,
                             keys={str(appeal).encode()})
    kinds = [dict(r.headers)["ce_type"].decode() for r in found]
    assert kinds.count("hotline.appeal.supervision-ordered.v1") == 1
    assert kinds.count("hotline.appeal.supervision-answered.v1") == 1
    listed = await sla.get("/v1/supervision/orders?unit=SAMR&answered=true", headers=bearer(settings, "supervisor"))
    assert [o["answer"] for o in listed.json()["items"] if o["order_id"] == order["order_id"]] == ["已约谈，明日完成整改。"]


async def test_no_order_for_an_appeal_without_an_open_clock(sla, settings):
    refused = await sla.post("/v1/supervision/orders", json={
        "action_id": "x", "appeal_id": str(uuid.uuid4()), "mode": "online_tracking", "instructions": "跟踪"},
        headers=bearer(settings, "supervisor"))
    assert refused.status_code == 409


async def test_clusters_are_listed_for_supervisors_only(sla, settings):
    listed = await sla.get("/v1/supervision/clusters?days=7", headers=bearer(settings, "supervisor"))
    assert listed.status_code == 200 and isinstance(listed.json()["items"], list)
    assert (await sla.get("/v1/supervision/clusters", headers=bearer(settings, "unit", "SAMR"))).status_code == 403
