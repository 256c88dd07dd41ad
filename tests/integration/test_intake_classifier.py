"""Intake's classifier against the real database and broker: keyword rules until a model is
trained, the model's explained decisions on the accepted event, operators' decisions as training
examples, a corrupt model, and taxonomy edits through the admin API."""

import json
import uuid

from hotline.classifier_cli import train
from services.intake.entrypoint import SPEC
from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic
from tests.support import bearer, channel_bearer, running_service


def body(text: str, **overrides) -> dict:
    data = {"channel": "web", "channel_message_id": f"cls-{uuid.uuid4()}", "district": "铁西区",
            "description": text, "petitioner": {"name": "赵敏", "phone": "137" + str(uuid.uuid4().int)[:8]}}
    data.update(overrides)
    return data


async def test_keyword_rules_until_a_model_then_the_model_explains_its_decisions(settings, db):
    async with running_service(SPEC, settings) as client:
        ready = (await client.get("/readyz")).json()
        assert ready["details"]["classifier"]["mode"] == "keyword_rules"
        assert "no trained model" in ready["details"]["classifier"]["reason"]
        held = await client.post("/v1/appeals", headers=channel_bearer(settings), json=body("屋里冷得像冰窖，温度计才十四度"))
        assert held.status_code == 202  # no keyword of the rules in it

    summary = await train(settings)
    assert "held-out" in summary
    version = await db.fetchval("SELECT version FROM intake.classifier_models")

    async with running_service(SPEC, settings) as client:
        details = (await client.get("/readyz")).json()["details"]["classifier"]
        assert (details["mode"], details["model_version"]) == ("model", version)
        accepted = await client.post("/v1/appeals", headers=channel_bearer(settings), json=body("家里暖气一直不热，屋里才十五度"))
        assert accepted.status_code == 201, accepted.text
        appeal_id = accepted.json()["appeal_id"]
    [record] = await read_topic(settings.kafka_bootstrap, settings.topic(topics.INTAKE), expect=1,
                                keys={appeal_id.encode()})
    event = json.loads(record.value)
    assert (event["appeal_type"], event["category"]) == ("consumer_complaint", "heating")
    classification = event["classification"]
    assert classification["method"] == "model" and classification["model_version"] == version
    assert classification["matched"] and 0.3 <= classification["confidence"] <= 1
    stored = await db.fetchval("SELECT classification FROM intake.appeals WHERE appeal_id = $1", uuid.UUID(appeal_id))
    assert json.loads(stored)["model_version"] == version


async def test_an_operators_decision_becomes_a_training_example_for_the_next_model(settings, db):
    operator, admin = bearer(settings, "operator", subject="op-li"), bearer(settings, "admin", subject="ad-wu")
    async with running_service(SPEC, settings) as client:
        # Nonsense to the model and the rules: held for review.
        held = await client.post("/v1/appeals", headers=channel_bearer(settings), json=body("zzzz qqqq"))
        assert held.status_code == 202
        appeal_id = held.json()["appeal_id"]
        done = await client.post(f"/v1/appeals/{appeal_id}/acceptance", headers=operator, json={
            "appeal_type": "public_service_request", "subtype": "help", "category": "noise", "reason": "扰民"})
        assert done.status_code == 200, done.text
        example = await db.fetchrow("SELECT label, decided_by FROM intake.training_examples WHERE appeal_id = $1",
                                    uuid.UUID(appeal_id))
        assert dict(example) == {"label": "public_service_request/help/noise", "decided_by": "op-li"}

        assert (await client.post("/v1/classifier/training", headers=operator)).status_code == 403
        started = await client.post("/v1/classifier/training", headers=admin)
        assert started.status_code == 202, started.text
        assert (await client.post("/v1/classifier/training", headers=admin)).status_code == 409

        async def trained() -> bool:
            return await db.fetchval("SELECT max(from_reviews) FROM intake.classifier_models") == 1
        await eventually(trained, timeout=120, what="the model trained on the operator's decision")
        version = await db.fetchval("SELECT version FROM intake.classifier_models WHERE from_reviews = 1")

        async def switched() -> bool:
            view = (await client.get("/v1/classifier", headers=operator)).json()
            return view["running"]["model_version"] == version and view["review_examples"] == 1
        await eventually(switched, what="this replica to switch to the new model")


async def test_a_corrupt_model_leaves_intake_on_the_keyword_rules_and_says_so(settings, db):
    await train(settings)
    await db.execute("UPDATE intake.classifier_models SET payload = 'garbage'::bytea")
    async with running_service(SPEC, settings) as client:
        details = (await client.get("/readyz")).json()["details"]["classifier"]
        assert details["mode"] == "keyword_rules" and "unusable" in details["reason"]
        accepted = await client.post("/v1/appeals", headers=channel_bearer(settings), json=body("小区停水两天了，自来水一直没来"))
        assert accepted.status_code == 201
    stored = await db.fetchval("SELECT classification FROM intake.appeals WHERE appeal_id = $1",
                               uuid.UUID(accepted.json()["appeal_id"]))
    assert json.loads(stored)["method"] == "keywords"
    await db.execute("DELETE FROM intake.classifier_models")


async def test_taxonomy_edits_are_checked_and_versioned(settings, db):
    admin, operator = bearer(settings, "admin", subject="ad-wu"), bearer(settings, "operator")
    async with running_service(SPEC, settings) as client:
        shipped = (await client.get("/v1/taxonomy", headers=operator)).json()
        assert shipped["source"] == "shipped" and len(shipped["labels"]) >= 45
        edit = {"version": "2026-12-08.1", "labels": shipped["labels"], "overrides": shipped["overrides"],
                "reason": "供暖季关键词"}
        edit["labels"] = [dict(x, keywords=x["keywords"] + ["室温"]) if x["label"].endswith("/heating") else x
                          for x in shipped["labels"]]
        assert (await client.put("/v1/taxonomy", headers=operator, json=edit)).status_code == 403

        bad = dict(edit, labels=edit["labels"] + [{"label": "consumer_complaint/-/bubble_tea", "name_zh": "奶茶",
                                                    "name_en": "Bubble tea", "keywords": []}])
        refused = await client.put("/v1/taxonomy", headers=admin, json=bad)
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["field"].endswith("label") and "routing has no unit" in error["reason"]

        stored = await client.put("/v1/taxonomy", headers=admin, json=edit)
        assert stored.status_code == 201 and stored.json()["source"] == "database"
        assert (await client.put("/v1/taxonomy", headers=admin, json=edit)).status_code == 409
        details = (await client.get("/readyz")).json()["details"]["classifier"]
        assert (details["taxonomy_version"], details["taxonomy_source"]) == ("2026-12-08.1", "database")
