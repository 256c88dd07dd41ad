"""POST /v1/appeals against the real database: idempotent, clear 4xx, no echo of personal data."""

import uuid

import httpx
import pytest

from services.intake.entrypoint import SPEC
from shared.runtime import create_app
from tests.support import channel_bearer


@pytest.fixture
async def client(settings):
    app = create_app(SPEC, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake",
                                     headers=channel_bearer(settings)) as http:
            yield http


def body(message_id: str, **overrides) -> dict:
    data = {"channel": "app", "channel_message_id": message_id, "district": "tiexi",
            "description": "小区停水两天了，自来水一直没来。", "petitioner": {"name": "赵强", "phone": "13700001111"}}
    data.update(overrides)
    return data


async def test_resubmission_returns_the_same_appeal(client, db):
    message_id = f"http-{uuid.uuid4()}"
    first = await client.post("/v1/appeals", json=body(message_id))
    again = await client.post("/v1/appeals", json=body(message_id), headers={"Idempotency-Key": message_id})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["tracking_number"] == again.json()["tracking_number"]
    assert first.json()["status"] == "accepted"
    assert await db.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id = $1", message_id) == 1


async def test_bad_submission_names_the_field_and_never_echoes_input(client, db):
    response = await client.post("/v1/appeals", json=body("x", channel="fax", petitioner={"name": "赵强", "phone": 5}))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"channel", "petitioner.phone"} <= fields
    assert "赵强" not in response.text and "fax" not in response.text.replace("channel", "")


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe not utf-8", b"\xc3\x28", b"[]", b"null"])
async def test_unreadable_body_is_a_clear_4xx(client, raw):
    response = await client.post("/v1/appeals", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


async def test_emergency_is_refused_with_the_number_to_call(client):
    response = await client.post("/v1/appeals", json=body(f"fire-{uuid.uuid4()}", description="家里着火了快来人"))
    assert response.status_code == 201
    assert response.json()["status"] == "rejected" and response.json()["refer_to"] == "119"


async def test_idempotency_key_must_match_the_channel_message(client):
    response = await client.post("/v1/appeals", json=body("one"), headers={"Idempotency-Key": "two"})
    assert response.status_code == 422


async def test_category_of_another_type_is_refused(client, db):
    message_id = f"cat-{uuid.uuid4()}"
    response = await client.post("/v1/appeals", json=body(message_id, appeal_type="consumer_complaint",
                                                          category="taxation"))
    assert response.status_code == 422 and "taxation" in response.text
    assert await db.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id = $1", message_id) == 0
