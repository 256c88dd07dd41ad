"""Intake against the real broker and database: inquiry codes, validation, 并单, the review queue,
and a crash between commit and publish."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from services.intake.domain.inquiry import verify_inquiry_code
from services.intake.entrypoint import SPEC
from shared.contracts import topics
from shared.contracts.events import AppealReopened, AppealReplied, Event, SubmitAppeal
from shared.runtime import ServiceRuntime
from tests.integration.helpers import eventually, produce, read_topic, send
from tests.support import bearer, channel_bearer, running_service, sms_inbox


def body(message_id: str, phone: str, **overrides) -> dict:
    data = {"channel": "web", "channel_message_id": message_id, "district": "和平区",
            "description": "太原街超市乱收费，标价和结账价格不一致。",
            "petitioner": {"name": "钱伟", "phone": phone}}
    data.update(overrides)
    return data


def fresh_phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


async def intake_events(settings, *appeal_ids, expect: int):
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.INTAKE), expect=expect,
                               keys={str(a).encode() for a in appeal_ids})
    return [(dict(r.headers)["ce_type"].decode(), json.loads(r.value)) for r in records]


async def test_private_appeal_gets_its_inquiry_code_once_and_only_a_hash_travels(settings, db):
    message_id = f"private-{uuid.uuid4()}"
    async with running_service(SPEC, settings, headers=channel_bearer(settings)) as client:
        first = await client.post("/v1/appeals", json=body(message_id, fresh_phone(), private=True))
        again = await client.post("/v1/appeals", json=body(message_id, fresh_phone(), private=True))
    assert first.status_code == 201 and first.headers["cache-control"] == "no-store"
    code = first.json()["inquiry_code"]
    assert len(code) == 8
    assert again.status_code == 200 and "inquiry_code" not in again.json()

    stored = await db.fetchrow("SELECT * FROM intake.appeals WHERE channel_message_id = $1", message_id)
    assert code not in json.dumps({k: str(v) for k, v in dict(stored).items()})
    assert verify_inquiry_code(stored["inquiry_code_hash"], code, settings.pepper())

    [(kind, event)] = await intake_events(settings, stored["appeal_id"], expect=1)
    assert kind == "hotline.appeal.accepted.v1" and event["private"] is True
    assert code not in json.dumps(event)
    assert verify_inquiry_code(event["inquiry_code_hash"], code, settings.pepper())


async def test_a_private_kafka_submission_gets_its_inquiry_code_by_sms(settings, db):
    """The phone channel's path: no reply on Kafka, so the code reaches the petitioner through
    the notifications port; only its hash is stored and travels on the internal topic."""
    message_id, phone = f"kprivate-{uuid.uuid4()}", fresh_phone()
    raw = json.dumps(body(message_id, phone, private=True), ensure_ascii=False).encode()
    async with running_service(SPEC, settings), sms_inbox(settings) as sms:
        await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), [(b"k", raw, [])])

        async def decided() -> bool:
            return await db.fetchval("SELECT status FROM intake.appeals WHERE channel_message_id = $1",
                                     message_id) == "accepted"
        await eventually(decided, what="the private Kafka submission to be accepted")
        row = await db.fetchrow("SELECT appeal_id, tracking_number, private, inquiry_code_hash FROM intake.appeals"
                                " WHERE channel_message_id = $1", message_id)
        receipt = await sms.wait_for(lambda m: m.appeal_id == row["appeal_id"])
    assert row["private"] is True and row["inquiry_code_hash"].startswith("$argon2id$")
    assert receipt.kind == "receipt" and receipt.phone == "+86" + phone
    assert row["tracking_number"] in receipt.text and receipt.code in receipt.text
    assert verify_inquiry_code(row["inquiry_code_hash"], receipt.code, settings.pepper())
    [accepted] = await intake_events(settings, row["appeal_id"], expect=1)
    assert receipt.code not in json.dumps(accepted)  # (the contact is there sealed, for the unit)


@pytest.mark.parametrize(("petitioner", "field"), [
    ({"name": "钱伟", "phone": "13812345678", "id_number": "110105194912310021"}, "petitioner.id_number"),
    ({"name": "钱伟", "phone": "1381234567"}, "petitioner.phone"),
    ({"name": "钱伟", "phone": "13812345678", "enterprise_name": "沈阳某公司",
      "credit_code": "91350100M000100Y44"}, "petitioner.credit_code"),
])
async def test_bad_petitioner_data_is_a_422_naming_the_field(settings, db, petitioner, field):
    message_id = f"bad-{uuid.uuid4()}"
    async with running_service(SPEC, settings, headers=channel_bearer(settings)) as client:
        response = await client.post("/v1/appeals", json=body(message_id, "x", petitioner=petitioner))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not [value for value in petitioner.values() if value in response.text], "no echo of personal data"
    assert await db.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id = $1", message_id) == 0


async def test_bad_petitioner_data_over_kafka_is_dead_lettered_with_the_reason(settings, db):
    message_id = f"kbad-{uuid.uuid4()}"
    key = message_id.encode()
    raw = json.dumps(body(message_id, "12812345678"), ensure_ascii=False).encode()
    async with running_service(SPEC, settings, headers=channel_bearer(settings)):
        await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), [(key, raw, [])])
        [letter] = await read_topic(settings.kafka_bootstrap, settings.topic(topics.dead_letter_topic("intake")),
                                    expect=1, keys={key})
    reason = dict(letter.headers)["hotline_dlq_reason"].decode()
    assert reason.startswith("invalid (petitioner.phone):") and "12812345678" not in reason
    assert await db.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id = $1", message_id) == 0


async def test_same_problem_is_merged_while_the_earlier_appeal_is_open(settings, db):
    phone, run = fresh_phone(), uuid.uuid4().hex[:8]
    async with running_service(SPEC, settings, headers=channel_bearer(settings)) as client:
        first = (await client.post("/v1/appeals", json=body(f"{run}-1", phone))).json()
        again = await client.post("/v1/appeals", json=body(
            f"{run}-2", phone, channel="app", description="太原街那家超市又乱收费了，标价和结账的价格不一样"))
        other = (await client.post("/v1/appeals", json=body(
            f"{run}-3", phone, description="中街一家服装店标价模糊，结账时多收钱"))).json()
        assert first["status"] == "accepted" and other["status"] == "accepted"
        assert again.status_code == 201 and again.json()["status"] == "merged"
        assert again.json()["into_tracking_number"] == first["tracking_number"]

        link = await db.fetchrow("SELECT * FROM intake.appeal_merges WHERE appeal_id = $1",
                                 uuid.UUID(again.json()["appeal_id"]))
        assert str(link["into_appeal_id"]) == first["appeal_id"]
        assert await db.fetchval("SELECT merged_into::text FROM intake.appeals WHERE appeal_id = $1",
                                 link["appeal_id"]) == first["appeal_id"]
        [(kind, merged)] = await intake_events(settings, again.json()["appeal_id"], expect=1)
        assert kind == "hotline.appeal.merged.v1" and merged["into_appeal_id"] == first["appeal_id"]

        # Routing reports the reply: the earlier appeal is no longer open, a repeat is new.
        async def handling_becomes(event: Event, handling: str) -> None:
            await send(settings, event, source="/hotline/routing")

            async def seen() -> bool:
                return await db.fetchval("SELECT handling FROM intake.appeals WHERE appeal_id = $1",
                                         uuid.UUID(first["appeal_id"])) == handling
            await eventually(seen, what=f"intake to learn of the {event.event_type}")

        await handling_becomes(AppealReplied(appeal_id=first["appeal_id"], unit_code="SAMR", reply="已处理",
                                             outcome="solved", replied_at=datetime.now(UTC)), "replied")
        after_reply = (await client.post("/v1/appeals", json=body(f"{run}-4", phone))).json()
        assert after_reply["status"] == "accepted"

        await handling_becomes(AppealReopened(appeal_id=first["appeal_id"], reason="不满意",
                                              reopened_at=datetime.now(UTC)), "open")


async def test_operators_review_held_appeals_and_every_decision_is_an_event(settings, db):
    run = uuid.uuid4().hex[:8]
    operator = bearer(settings, "operator", subject="op-zhang")
    async with running_service(SPEC, settings) as client:
        held = []
        for i in range(3):
            r = await client.post("/v1/appeals", headers=channel_bearer(settings),
                                  json=body(f"{run}-{i}", fresh_phone(), description=f"我想反映一个情况，第{i}件事。"))
            assert r.status_code == 202 and r.json()["status"] == "pending_review"
            held.append(r.json()["appeal_id"])

        assert (await client.get("/v1/review-queue")).status_code == 401
        assert (await client.get("/v1/review-queue", headers=bearer(settings, "unit", "SAMR"))).status_code == 403
        seen, after = [], None
        while True:  # page through the whole queue, two at a time
            page = (await client.get("/v1/review-queue", headers=operator,
                                     params={"limit": 2} | ({"after": after} if after else {}))).json()
            seen += [item["appeal_id"] for item in page["items"]]
            if not (after := page["next_after"]):
                break
        assert [a for a in seen if a in held] == held, "oldest first, every held appeal once"

        corrected = await client.post(f"/v1/appeals/{held[0]}/corrections", headers=operator,
                                      json={"appeal_type": "consumer_complaint", "reason": "超市价格问题"})
        assert corrected.status_code == 200 and corrected.json()["category"] is None
        wrong = await client.post(f"/v1/appeals/{held[0]}/acceptance", headers=operator,
                                  json={"category": "taxation", "reason": "x"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "category"
        accepted = await client.post(f"/v1/appeals/{held[0]}/acceptance", headers=operator,
                                     json={"category": "prices", "reason": "价格投诉"})
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
        twice = await client.post(f"/v1/appeals/{held[0]}/acceptance", headers=operator, json={"reason": "again"})
        assert twice.status_code == 409
        refused = await client.post(f"/v1/appeals/{held[1]}/refusal", headers=operator,
                                    json={"reason": "不属于12345受理范围"})
        assert refused.status_code == 200
        moved = await client.post(f"/v1/appeals/{held[0]}/corrections", headers=operator,
                                  json={"district": "沈河区", "reason": "地址在沈河区"})
        assert moved.status_code == 200 and moved.json()["district"] == "shenhe"
        assert (await client.post(f"/v1/appeals/{uuid.uuid4()}/refusal", headers=operator,
                                  json={"reason": "x"})).status_code == 404
        history = (await client.get(f"/v1/appeals/{held[0]}/decisions", headers=operator)).json()
        assert [(h["action"], h["decided_by"]) for h in history] == [
            ("corrected", "op-zhang"), ("accepted", "op-zhang"), ("corrected", "op-zhang")]

        events = await intake_events(settings, *held[:2], expect=6)
    kinds = {(e["appeal_id"], kind.split(".")[2]) for kind, e in events}
    assert kinds == {(held[0], "held-for-review"), (held[0], "accepted"), (held[0], "reclassified"),
                     (held[1], "held-for-review"), (held[1], "rejected")}
    by_kind = {kind.split(".")[2]: e for kind, e in events if e["appeal_id"] == held[0]}
    assert by_kind["accepted"]["decided_by"] == "op-zhang"
    assert by_kind["accepted"]["classification"]["method"] == "operator"
    assert (by_kind["accepted"]["appeal_type"], by_kind["accepted"]["category"]) == ("consumer_complaint", "prices")
    assert by_kind["reclassified"]["by"] == "op-zhang" and by_kind["reclassified"]["district"] == "shenhe"
    rejected = next(e for kind, e in events if e["appeal_id"] == held[1] and "rejected" in kind)
    assert rejected["reason_code"] == "operator" and rejected["reason"] == "不属于12345受理范围"


async def test_an_appeal_committed_before_a_crash_is_published_once_after_restart(settings, db):
    message_id = f"crash-{uuid.uuid4()}"
    submission = SubmitAppeal.model_validate(body(message_id, fresh_phone()))
    crashed = ServiceRuntime(SPEC, settings)
    ctx = await crashed.open()  # no broker, no relay: the process dies right after the commit
    from services.intake.handlers import accept_submission
    async with ctx.units_of_work() as uow:
        outcome = await accept_submission(uow, submission, now=ctx.clock.now(), pepper=b"p", answers_caller=True)
    await ctx.pool.close()
    # the acceptance and the petitioner's receipt (on the notifications port)
    assert await db.fetchval("SELECT count(*) FROM intake.outbox o WHERE o.key = $1 AND o.topic LIKE $2",
                             str(outcome.appeal_id).encode(), "%" + topics.INTAKE) == 1

    async with running_service(SPEC, settings):  # the restarted service's relay delivers it
        events = await intake_events(settings, outcome.appeal_id, expect=1)
    assert [kind for kind, _ in events] == ["hotline.appeal.accepted.v1"]
