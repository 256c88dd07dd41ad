"""The five services as real processes: an appeal travels from submission to a counted score,
and a service killed with SIGKILL mid-stream loses nothing and applies nothing twice."""

import json
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from shared.contracts import topics
from shared.contracts.topics import SERVICES
from tests.e2e.conftest import five_services
from tests.integration.helpers import eventually, produce, read_topic

PORTS = {name: 18001 + i for i, name in enumerate(SERVICES)}  # off the demo's 8001-8005


@pytest.fixture(scope="module")
def platform(settings, tmp_path_factory):
    with five_services(settings, PORTS, tmp_path_factory.mktemp("services")) as services:
        yield services


def url(service: str, path: str) -> str:
    return f"http://127.0.0.1:{PORTS[service]}{path}"


async def test_one_appeal_travels_from_submission_to_a_counted_score(platform):
    period = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    async with httpx.AsyncClient(timeout=10) as http:
        before = await _received(http, period, "SAMR")
        receipt = await http.post(url("intake", "/v1/appeals"), json={
            "channel": "web", "channel_message_id": f"e2e-{uuid.uuid4()}", "district": "和平区",
            "description": "中街一家商场乱收费，标价和结账价格不一致。",
            "petitioner": {"name": "孙丽", "phone": "13698765432"}})
        assert receipt.status_code == 201, receipt.text
        tracking_number = receipt.json()["tracking_number"]

        async def counted() -> bool:
            return await _received(http, period, "SAMR") == before + 1
        await eventually(counted, what="assessment to count the appeal for SAMR")

        async def public() -> bool:
            got = await http.get(url("publication", f"/v1/public/appeals/{tracking_number}"))
            return got.status_code == 200 and got.json()["expected_at"] is not None
        await eventually(public, what="publication to show the appeal with its deadline")
        entry = (await http.get(url("publication", f"/v1/public/appeals/{tracking_number}"))).json()
        assert entry["unit_name"] == "沈阳市市场监督管理局" and entry["status"] == "dispatched"
        assert "孙丽" not in json.dumps(entry, ensure_ascii=False) and "13698765432" not in json.dumps(entry)
        for name in SERVICES:
            assert (await http.get(url(name, "/readyz"))).json()["ready"] is True


async def _received(http: httpx.AsyncClient, period: str, unit: str) -> int:
    scores = (await http.get(url("assessment", "/v1/scores"), params={"period": period})).json()
    return next((u["received"] for u in scores["units"] if u["unit_code"] == unit), 0)


async def test_killed_services_lose_nothing_and_apply_nothing_twice(platform, settings, db):
    """Each of the five services is killed with SIGKILL once while appeals flow."""
    run = uuid.uuid4().hex[:8]
    total = 400
    districts = ["和平区", "沈河区", "铁西区", "浑南区", "皇姑区"]
    texts = ["超市乱收费，价格不一致。", "小区停水两天了。", "家里停电一整天。", "药店卖过期药品。"]
    messages = [
        (f"{run}-{i}".encode(), json.dumps({
            "channel": "phone", "channel_message_id": f"{run}-{i}", "district": districts[i % 5],
            "description": texts[i % 4], "petitioner": {"name": "周平", "phone": f"135{i:08d}"}},
            ensure_ascii=False).encode(), [])
        for i in range(total)
    ]
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), messages[: total // 2])

    async def some_dispatched() -> bool:
        return await _count(db, "routing.transfers", run) > 20
    await eventually(some_dispatched, what="routing to start dispatching")
    platform.kill("routing")
    platform.kill("intake")
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), messages[total // 2:])
    for name in ("assessment", "sla", "publication"):  # every service dies once, relay and all
        platform.kill(name)
    platform.start(["routing", "intake", "assessment", "sla", "publication"])

    tables = ("intake.appeals", "routing.transfers", "sla.deadlines", "assessment.received_appeals")
    for table in tables:
        async def caught_up(table=table) -> bool:
            return await _count(db, table, run) >= total
        await eventually(caught_up, timeout=90, what=f"all {total} appeals in {table}")
    for table in tables:  # exactly once: a replayed event would have made a second row or failed
        assert await _count(db, table, run) == total, table

    async def all_public() -> bool:
        return total == await db.fetchval(
            "SELECT count(*) FROM publication.public_appeals p JOIN intake.appeals a USING (appeal_id) "
            "WHERE a.channel_message_id LIKE $1 AND p.expected_at IS NOT NULL AND p.unit_name IS NOT NULL",
            f"{run}-%")
    await eventually(all_public, timeout=90, what="every appeal public with unit and deadline")

    ours = await db.fetch("SELECT appeal_id::text FROM intake.appeals WHERE channel_message_id LIKE $1", f"{run}-%")
    ours = {r["appeal_id"] for r in ours}
    dispatched = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=total,
                                  keys={a.encode() for a in ours})
    letters: dict[str, set[bytes]] = {}
    for record in dispatched:
        if record.key.decode() in ours:
            letters.setdefault(record.key.decode(), set()).add(dict(record.headers)["ce_id"])
    assert set(letters) == ours, "every appeal was dispatched"
    # After a crash the relay may publish an event twice (same ce_id); a second *application*
    # of AppealAccepted would have produced a second letter with a new id.
    assert all(len(ids) == 1 for ids in letters.values()), "an appeal got two transfer letters"


async def _count(db, table: str, run: str) -> int:
    """Rows of `table` that belong to this run's appeals (joined through intake's record)."""
    return await db.fetchval(
        f"SELECT count(*) FROM {table} t JOIN intake.appeals a USING (appeal_id) "
        "WHERE a.channel_message_id LIKE $1", f"{run}-%")


async def test_returned_letter_is_redispatched_signed_and_replied_across_the_services(platform, settings):
    """The transfer conversation across processes: SAMR returns a misrouted letter, the operator
    re-dispatches it to HEALTH, which signs and replies; sla, publication and assessment follow."""
    from shared.auth import issue_token

    def auth(role: str, unit: str | None = None) -> dict:
        return {"Authorization": f"Bearer {issue_token(settings, 'e2e', role, unit)}"}

    period = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    async with httpx.AsyncClient(timeout=10) as http:
        receipt = await http.post(url("intake", "/v1/appeals"), json={
            "channel": "phone", "channel_message_id": f"e2e-return-{uuid.uuid4()}", "district": "和平区",
            "appeal_type": "consumer_complaint", "category": "prices",
            "description": "医院挂号收费比标价高，要求查处。", "petitioner": {"name": "吴刚", "phone": "13787654321"}})
        appeal_id, tracking_number = receipt.json()["appeal_id"], receipt.json()["tracking_number"]

        async def letter_at(unit: str) -> bool:
            got = await http.get(url("routing", f"/v1/units/{unit}/appeals/{appeal_id}"), headers=auth("unit", unit))
            return got.status_code == 200
        await eventually(lambda: letter_at("SAMR"), what="the letter at SAMR")
        returned = await http.post(url("routing", f"/v1/units/SAMR/appeals/{appeal_id}/return"), headers=auth("unit", "SAMR"),
                                   json={"action_id": str(uuid.uuid4()), "reason": "医疗收费不属于本局职责"})
        assert returned.status_code < 300, returned.text
        review = await http.post(url("routing", f"/v1/appeals/{appeal_id}/review"), headers=auth("operator"),
                                 json={"decision": "redispatch", "unit_code": "HEALTH", "reason": "医疗收费归卫健委"})
        assert review.status_code < 300, review.text
        await eventually(lambda: letter_at("HEALTH"), what="the letter at HEALTH")
        assert (await http.get(url("routing", f"/v1/units/SAMR/appeals/{appeal_id}"),
                               headers=auth("unit", "SAMR"))).status_code == 404, "SAMR no longer holds it"
        for action, body in (("sign", {}), ("reply", {"reply": "已核查并退还多收费用。", "outcome": "solved"})):
            done = await http.post(url("routing", f"/v1/units/HEALTH/appeals/{appeal_id}/{action}"),
                                   headers=auth("unit", "HEALTH"), json={"action_id": str(uuid.uuid4()), **body})
            assert done.status_code < 300, done.text

        async def public_shows_reply() -> bool:
            got = (await http.get(url("publication", f"/v1/public/appeals/{tracking_number}"))).json()
            return got.get("status") == "replied" and got.get("unit_name") == "沈阳市卫生健康委员会"
        await eventually(public_shows_reply, what="publication to show HEALTH's reply")

        async def counted_for_health() -> bool:
            scores = (await http.get(url("assessment", "/v1/scores"), params={"period": period})).json()
            return any(u["unit_code"] == "HEALTH" and u["received"] >= 1 for u in scores["units"])
        await eventually(counted_for_health, what="assessment to count it for HEALTH")
