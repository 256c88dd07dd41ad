"""Reopen with judgement (差评二次回访): one automatic reopening, then the centre's return call.

All five services in this process, the real broker and database; the petitioner's evaluation
tokens come through the test SMS gateway, as they would reach a phone.
"""

import json
import uuid

import asyncpg

from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic
from tests.integration.test_security_support import platform, token
from tests.support import sms_inbox


async def test_second_dissatisfied_rating_waits_for_the_centres_decision(settings):
    conn = await asyncpg.connect(settings.database_url)
    phone = "139" + str(uuid.uuid4().int)[:8]
    try:
        async with platform(settings) as clients, sms_inbox(settings) as sms:
            intake, routing, pub = clients["intake"], clients["routing"], clients["publication"]
            r = await intake.post("/v1/appeals", headers=token(settings, "channel", channels=("app",)), json={
                "channel": "app", "channel_message_id": f"reopen-{uuid.uuid4()}", "district": "heping",
                "appeal_type": "consumer_complaint", "category": "prices",
                "description": "太原街一家超市乱收费，标价和结账价格不一致。", "petitioner": {"name": "李娜", "phone": phone}})
            assert r.status_code == 201, r.text
            appeal_id, number = uuid.UUID(r.json()["appeal_id"]), r.json()["tracking_number"]
            receipt = await sms.wait_for(lambda m: m.appeal_id == appeal_id and m.kind == "receipt")
            assert number in receipt.text and receipt.code is None  # a public appeal has no inquiry code

            async def state() -> str | None:
                return await conn.fetchval("SELECT state FROM routing.transfers WHERE appeal_id = $1", appeal_id)

            async def dispatched() -> bool:
                return await state() is not None
            await eventually(dispatched, what="the transfer letter")
            unit = await conn.fetchval("SELECT unit_code FROM routing.transfers WHERE appeal_id = $1", appeal_id)
            base, as_unit = f"/v1/units/{unit}/appeals/{appeal_id}", token(settings, "unit", unit)
            assert (await routing.post(f"{base}/sign", headers=as_unit, json={"action_id": "s1"})).status_code == 200

            async def reply_and_rate(n: int) -> dict:
                r = await routing.post(f"{base}/reply", headers=as_unit,
                                       json={"action_id": f"r{n}", "outcome": "solved", "reply": f"第{n}次答复：已处理。"})
                assert r.status_code == 200, r.text
                sent = await sms.wait_for(lambda m: m.kind == "reply" and m.appeal_id == appeal_id
                                          and f"第{n}次答复" in m.text)

                # The public status comes from routing's topic and the token from intake's: wait
                # for both, as a rating sent before publication knows the token is refused.
                async def rateable() -> bool:
                    tokens = await conn.fetchval(
                        "SELECT count(*) FROM publication.evaluation_tokens WHERE appeal_id = $1", appeal_id)
                    status = (await pub.get(f"/v1/public/appeals/{number}")).json()["status"]
                    return status == "replied" and tokens == n
                await eventually(rateable, what=f"reply {n} public with its evaluation token")
                r = await pub.post(f"/v1/public/appeals/{number}/evaluation", json={
                    "satisfaction": "dissatisfied", "solved": False, "evaluation_token": sent.code})
                assert r.status_code == 201, r.text
                return r.json()

            first = await reply_and_rate(1)
            assert first["reopen_requested"] is True

            async def reopened() -> bool:
                return await state() == "signed"
            await eventually(reopened, what="the first dissatisfied rating to reopen the appeal")

            second = await reply_and_rate(2)
            assert second["reopen_requested"] is False
            calls = await pub.get("/v1/operator/return-calls", headers=token(settings, "operator"))
            assert calls.status_code == 200
            [call] = [c for c in calls.json() if c["tracking_number"] == number]
            assert call["dissatisfied_ratings"] == 2 and call["unit_code"] == unit
            events = await read_topic(settings.kafka_bootstrap, settings.topic(topics.PUBLICATION), expect=3,
                                      keys={str(appeal_id).encode()})
            kinds = [dict(e.headers)["ce_type"].decode() for e in events]
            assert kinds == ["hotline.appeal.evaluated.v1", "hotline.appeal.evaluated.v1",
                             "hotline.appeal.return-call-requested.v1"]
            assert json.loads(events[1].value)["return_call"] is True
            second_id = uuid.UUID(dict(events[1].headers)["ce_id"].decode())

            async def routing_applied_it() -> bool:
                return await conn.fetchval("SELECT count(*) FROM routing.inbox WHERE event_id = $1", second_id) == 1
            await eventually(routing_applied_it, what="routing to apply the second rating")
            assert await state() == "replied", "neither reopened a second time nor closed: the centre decides"

            decide = f"/v1/operator/return-calls/{number}/decision"
            body = {"decision": "close", "reason": "回访核实：价格已按标价结算，诉求人要求超出政策范围。"}
            assert (await pub.post(decide, json=body)).status_code == 401
            assert (await pub.post(decide, json=body, headers=token(settings, "unit", unit))).status_code == 403
            r = await pub.post(decide, json=body, headers=token(settings, "operator"))
            assert r.status_code == 200 and r.json()["decision"] == "close"
            assert (await pub.post(decide, json=body, headers=token(settings, "operator"))).status_code == 404

            async def closed() -> bool:
                return await state() == "closed"
            await eventually(closed, what="routing to close the appeal on the centre's decision")
            decided = await read_topic(settings.kafka_bootstrap, settings.topic(topics.PUBLICATION), expect=4,
                                       keys={str(appeal_id).encode()})
            assert dict(decided[-1].headers)["ce_type"] == b"hotline.appeal.return-call-decided.v1"
            waiting = await pub.get("/v1/operator/return-calls", headers=token(settings, "operator"))
            assert number not in waiting.text
    finally:
        await conn.close()
