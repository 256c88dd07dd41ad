"""POST /v1/classification: the call-taker's hint from the running intake, filing nothing."""

from services.intake.entrypoint import SPEC
from tests.integration.test_intake_answers import ENTRY
from tests.support import bearer, channel_bearer, running_service


async def test_operators_get_the_label_the_terms_and_a_consultations_answer_and_nothing_is_filed(settings, db):
    operator, admin = bearer(settings, "operator"), bearer(settings, "admin")
    async with running_service(SPEC, settings) as client:
        await client.post("/v1/knowledge", headers=admin, json=ENTRY)
        before = await db.fetchval("SELECT count(*) FROM intake.appeals")
        outbox = await db.fetchval("SELECT count(*) FROM intake.outbox")

        hint = await client.post("/v1/classification", headers=operator, json={
            "description": "太原街一家超市乱收费，标价和结账价格不一致，要求查处。"})
        assert hint.status_code == 200, hint.text
        got = hint.json()
        assert (got["outcome"], got["appeal_type"], got["category"]) == ("classified", "consumer_complaint", "prices")
        assert got["terms"] and all(term in "太原街一家超市乱收费，标价和结账价格不一致，要求查处。" for term in got["terms"])
        assert got["name_zh"] and got["method"] in ("model", "keywords") and got["knowledge_answer"] is None

        asked = await client.post("/v1/classification", headers=operator, json={
            "description": "请问租房能不能提取公积金", "appeal_type": "public_service_request",
            "subtype": "consultation", "category": "housing_fund"})
        answer = asked.json()["knowledge_answer"]
        assert answer["answer"] == ENTRY["answer"] and answer["unit_code"] == "HOUSING-FUND"

        emergency = (await client.post("/v1/classification", headers=operator, json={
            "description": "楼道里着火了，火很大"})).json()
        assert (emergency["outcome"], emergency["refer_to"]) == ("emergency", "119")

        held = (await client.post("/v1/classification", headers=operator, json={"description": "今天天气很好啊"})).json()
        assert held["outcome"] == "review" and held["reason"]

        business = (await client.post("/v1/classification", headers=operator, json={
            "description": "营业执照审批拖了三个月", "channel": "phone_business_line"})).json()
        assert business["appeal_type"] == "business_environment_complaint"

        assert await db.fetchval("SELECT count(*) FROM intake.appeals") == before
        assert await db.fetchval("SELECT count(*) FROM intake.outbox") == outbox


async def test_only_operators_ask_and_bad_input_names_the_field(settings):
    async with running_service(SPEC, settings) as client:
        text = {"description": "超市乱收费"}
        assert (await client.post("/v1/classification", json=text)).status_code == 401
        for token in (bearer(settings, "unit", "SAMR"), channel_bearer(settings), bearer(settings, "supervisor")):
            assert (await client.post("/v1/classification", headers=token, json=text)).status_code == 403
        operator = bearer(settings, "operator")
        for wrong, field in (({"description": ""}, "description"), ({"description": "x" * 4001}, "description"),
                             ({**text, "channel": "fax"}, "channel"),
                             ({**text, "appeal_type": "consumer_complaint", "category": "housing_fund"}, "category"),
                             ({**text, "petitioner": {"name": "x"}}, "petitioner")):
            refused = await client.post("/v1/classification", headers=operator, json=wrong)
            assert refused.status_code == 422, (wrong, refused.text)
            assert refused.json()["errors"][0]["field"].split(".")[-1] == field, refused.text


async def test_the_receipt_says_what_the_appeal_was_classified_as_and_a_replay_says_it_again(settings):
    import uuid

    from tests.integration.test_intake_http import body

    async with running_service(SPEC, settings) as client:
        message_id = f"receipt-{uuid.uuid4()}"
        submission = body(message_id, description="太原街一家超市乱收费，标价和结账价格不一致，要求查处。")
        first = await client.post("/v1/appeals", headers=channel_bearer(settings), json=submission)
        again = await client.post("/v1/appeals", headers=channel_bearer(settings), json=submission)
        assert (first.status_code, again.status_code) == (201, 200), first.text
        told = first.json()["classification"]
        assert (told["appeal_type"], told["category"]) == ("consumer_complaint", "prices")
        assert told["method"] in ("model", "keywords") and told["terms"]
        assert again.json()["classification"] == told
        held = await client.post("/v1/appeals", headers=channel_bearer(settings),
                                 json=body(f"receipt-{uuid.uuid4()}", description="今天天气很好，想说一说"))
        assert held.json()["status"] == "pending_review" and "classification" not in held.json()
