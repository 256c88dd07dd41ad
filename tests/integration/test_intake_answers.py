"""Answers at intake (直接办结) against the real database and broker: knowledge-base edits, an
answer offered to a consultation, the petitioner's or operator's word, the timeout, and the
public record showing the answer."""

import json
import re
import uuid

import httpx

from services.intake.entrypoint import SPEC
from services.publication.entrypoint import SPEC as PUBLICATION
from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic
from tests.support import bearer, channel_bearer, running_service, sms_inbox

LABEL = "public_service_request/consultation/housing_fund"
ENTRY = {"questions": ["租房可以提取公积金吗", "租房能不能提取住房公积金", "租房提取公积金的条件"],
         "answer": "在沈阳无自有住房且租房自住的职工，可每年提取一次住房公积金，凭租赁备案或本人承诺在公积金中心网厅办理。",
         "label": LABEL, "unit_code": "HOUSING-FUND", "valid_from": "2020-01-01"}


def consultation(text: str, channel: str = "web") -> dict:
    return {"channel": channel, "channel_message_id": f"kb-{uuid.uuid4()}", "district": "和平区",
            "description": text, "appeal_type": "public_service_request", "subtype": "consultation",
            "category": "housing_fund", "petitioner": {"name": "孙丽", "phone": "135" + str(uuid.uuid4().int)[:8]}}


async def events_of(settings, appeal_id: str, expect: int = 1):
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.INTAKE), expect=expect,
                               keys={appeal_id.encode()})
    return [(dict(r.headers)["ce_type"].decode(), json.loads(r.value)) for r in records]


async def test_knowledge_entries_are_checked_and_versioned(settings, db):
    admin, unit = bearer(settings, "admin", subject="ad-wu"), bearer(settings, "unit", "SAMR")
    async with running_service(SPEC, settings) as client:
        assert (await client.post("/v1/knowledge", headers=unit, json=ENTRY)).status_code == 403
        for change, field in (({"label": "consumer_complaint/-/heating"}, "label"),
                              ({"label": "public_service_request/consultation/bubble_tea"}, "label"),
                              ({"unit_code": "no unit"}, "unit_code"),
                              ({"valid_to": "2019-01-01"}, "valid_to")):
            refused = await client.post("/v1/knowledge", headers=admin, json={**ENTRY, **change})
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.text
        created = (await client.post("/v1/knowledge", headers=admin, json=ENTRY)).json()
        assert created["version"] == 1
        changed = await client.put(f"/v1/knowledge/{created['entry_id']}", headers=admin,
                                   json={**ENTRY, "answer": ENTRY["answer"] + "（2026年版）"})
        assert changed.json()["version"] == 2
        retired = await client.delete(f"/v1/knowledge/{created['entry_id']}", headers=admin)
        assert retired.json()["version"] == 3
        assert all(e["entry_id"] != created["entry_id"] for e in
                   (await client.get("/v1/knowledge", headers=admin)).json())
        offered = await client.post("/v1/appeals", headers=channel_bearer(settings), json=consultation("租房可以提取公积金吗"))
        assert offered.status_code == 201 and offered.json()["status"] == "accepted"  # retired: not offered


async def test_an_answered_consultation_closes_at_intake_and_the_public_record_shows_the_answer(settings, db):
    admin, operator = bearer(settings, "admin"), bearer(settings, "operator", subject="op-zhao")
    async with running_service(SPEC, settings) as client, running_service(PUBLICATION, settings):
        await client.post("/v1/knowledge", headers=admin, json=ENTRY)
        offered = await client.post("/v1/appeals", headers=channel_bearer(settings), json=consultation("请问租房能不能提取公积金"))
        assert offered.status_code == 202, offered.text
        receipt = offered.json()
        assert receipt["status"] == "answer_offered" and receipt["answer"] == ENTRY["answer"]
        appeal_id, number, token = receipt["appeal_id"], receipt["tracking_number"], receipt["answer_token"]
        assert offered.headers["cache-control"] == "no-store"  # the token is a secret
        url = f"/v1/appeals/{appeal_id}/answer-feedback"
        # The appeal id and the (public) tracking number are no proof; the receipt's token is.
        assert (await client.post(url, json={"tracking_number": number, "solved": True})).status_code == 422
        wrong = await client.post(url, json={"answer_token": "0000-0000-0000-0000", "solved": True})
        assert wrong.status_code == 404 and wrong.json()["kind"] == "not_found"
        assert (await client.post(url, json={"answer_token": number, "solved": True})).status_code == 404
        answered = await client.post(url, json={"answer_token": token.lower(), "solved": True})
        assert answered.json()["status"] == "answered"
        again = await client.post(url, json={"answer_token": token, "solved": True})
        assert again.status_code == 409 and "no answer is waiting" in again.json()["detail"]
        [(kind, event)] = await events_of(settings, appeal_id)
        assert kind == "hotline.appeal.answered-at-intake.v1"
        assert event["answer"] == ENTRY["answer"] and event["confirmed_by"] == "petitioner"

        async def public() -> bool:
            row = await db.fetchrow("SELECT reply, closed_at, replied_unit_code FROM publication.public_appeals "
                                    "WHERE tracking_number = $1", number)
            return row is not None and row["reply"] == ENTRY["answer"] and row["closed_at"] is not None
        await eventually(public, what="the public record to show the answer")

        # Not solved: dispatched as any appeal.
        second = (await client.post("/v1/appeals", headers=channel_bearer(settings), json=consultation("租房提取公积金的条件是什么"))).json()
        assert second["status"] == "answer_offered"
        no = await client.post(f"/v1/appeals/{second['appeal_id']}/answer-feedback",
                               json={"answer_token": second["answer_token"], "solved": False})
        assert no.json()["status"] == "accepted"
        [(kind, _)] = await events_of(settings, second["appeal_id"])
        assert kind == "hotline.appeal.accepted.v1"

        # The phone: the operator confirms; the petitioner's route is not for phone appeals.
        call = (await client.post("/v1/appeals", headers=channel_bearer(settings), json=consultation("租房能不能提取住房公积金", "phone"))).json()
        assert call["status"] == "answer_offered"
        assert (await client.post(f"/v1/appeals/{call['appeal_id']}/answer-feedback",
                                  json={"answer_token": call["answer_token"], "solved": True})).status_code == 409
        confirmed = await client.post(f"/v1/appeals/{call['appeal_id']}/answer-confirmation", headers=operator,
                                      json={"answered": True})
        assert confirmed.json()["status"] == "answered"
        [(kind, event)] = await events_of(settings, call["appeal_id"])
        assert kind == "hotline.appeal.answered-at-intake.v1" and event["confirmed_by"] == "op-zhao"


async def test_an_offer_nobody_answers_is_dispatched_after_the_wait(settings, db):
    quick = settings.model_copy(update={"answer_wait_seconds": 0.5, "classifier_poll_seconds": 0.5})
    async with running_service(SPEC, quick) as client:
        await client.post("/v1/knowledge", headers=bearer(settings, "admin"), json=ENTRY)
        offered = (await client.post("/v1/appeals", headers=channel_bearer(settings), json=consultation("租房可以提取公积金吗？"))).json()
        assert offered["status"] == "answer_offered"

        async def dispatched() -> bool:
            return await db.fetchval("SELECT status FROM intake.appeals WHERE appeal_id = $1",
                                     uuid.UUID(offered["appeal_id"])) == "accepted"
        await eventually(dispatched, what="the unanswered offer to be dispatched")
    [(kind, _)] = await events_of(settings, offered["appeal_id"])
    assert kind == "hotline.appeal.accepted.v1"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match[1]


async def test_the_public_form_shows_the_answer_and_records_the_word_with_the_receipts_token(settings, db):
    """The website's own form (publication, a thin client of intake): a consultation the knowledge
    base answers shows the answer and two buttons; the token stays in the no-store page."""
    phone = "137" + str(uuid.uuid4().int)[:8]
    async with running_service(SPEC, settings) as intake, running_service(PUBLICATION, settings) as public, \
            sms_inbox(settings) as sms:
        public.app.state.intake_transport = httpx.ASGITransport(app=intake.app)  # type: ignore[attr-defined]
        await intake.post("/v1/knowledge", headers=bearer(settings, "admin"), json=ENTRY)
        form = {"name": "孙丽", "phone": phone, "district": "heping", "description": "请问租房能不能提取公积金"}
        asked = await public.post("/public/submit/code", data=form)
        confirmation_id = _hidden(asked.text, "confirmation_id")
        code = (await sms.wait_for(lambda m: m.kind == "phone_confirmation" and m.phone == "+86" + phone)).code
        filed = await public.post("/public/submit", data={**form, "confirmation_id": confirmation_id, "code": code})
        assert filed.status_code == 201 and ENTRY["answer"] in filed.text, filed.text
        assert filed.headers["cache-control"] == "no-store"
        appeal_id, token = _hidden(filed.text, "appeal_id"), _hidden(filed.text, "answer_token")

        forged = await public.post("/public/submit/answer", data={"appeal_id": appeal_id, "solved": "true",
                                                                   "answer_token": "0000-0000-0000-0000"})
        assert forged.status_code == 404 and forged.text.count("无法在此确认") == 1, "said once, under its heading"
        said = await public.post("/public/submit/answer?lang=en",
                                 data={"appeal_id": appeal_id, "answer_token": token, "solved": "true"})
        assert said.status_code == 200 and "Closed" in said.text
        assert await db.fetchval("SELECT status FROM intake.appeals WHERE appeal_id = $1",
                                 uuid.UUID(appeal_id)) == "answered"
        again = await public.post("/public/submit/answer",
                                  data={"appeal_id": appeal_id, "answer_token": token, "solved": "false"})
        assert again.status_code == 409 and "您已作出选择" in again.text
