"""A use case's refusal (shared/refusals.py) as HTTP (shared/http.py) and as a dead letter
(shared/consumer.py): one mapping for every service."""

import httpx
import pytest
from fastapi import FastAPI

from shared.consumer import Rejected, dead_letter_reason
from shared.http import REFUSAL_STATUS, install_common_routes
from shared.refusals import Invalid, Refusal, Refused, conflict, forbidden, invalid, not_found, too_early


class InvalidThing(Invalid, ValueError):
    """A domain's own check, as intake's InvalidField is."""


def app_refusing(refusal: Exception) -> FastAPI:
    app = FastAPI()
    install_common_routes(app, "unit", {})

    @app.post("/act")
    async def act() -> dict:
        raise refusal

    return app


async def answer(refusal: Exception) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_refusing(refusal))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/act")


@pytest.mark.parametrize(("refusal", "status"), [
    (not_found("no such appeal"), 404),
    (forbidden("only the lead unit replies"), 403),
    (conflict("sign for the letter first"), 409),
    (too_early("period 2026-12 has not ended yet"), 409),
])
async def test_a_refusal_is_answered_with_its_status_reason_and_kind(refusal, status):
    response = await answer(refusal)
    assert response.status_code == status
    assert response.json() == {"detail": refusal.reason, "kind": refusal.kind.value}
    assert response.headers["x-content-type-options"] == "nosniff"  # the common middleware still applies


async def test_a_refusal_naming_a_field_lists_it_as_the_422_body_does():
    response = await answer(conflict("this action id issued an order for another appeal", field="action_id"))
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "action_id",
                                          "reason": "this action id issued an order for another appeal"}]


@pytest.mark.parametrize("refusal", [invalid("petitioner.phone", "a mobile number has 11 digits starting 13-19"),
                                     InvalidThing("petitioner.phone", "a mobile number has 11 digits starting 13-19")])
async def test_an_invalid_field_is_the_platforms_one_422_shape(refusal):
    response = await answer(refusal)
    assert response.status_code == 422
    assert response.json() == {"detail": "invalid request", "errors": [
        {"field": "petitioner.phone", "reason": "a mobile number has 11 digits starting 13-19"}]}


def test_every_kind_has_a_status():
    assert set(REFUSAL_STATUS) == set(Refusal)


def test_a_dead_letter_says_the_kind_the_field_and_the_reason():
    assert dead_letter_reason(not_found("no such appeal for unit TAX")) == "not_found: no such appeal for unit TAX"
    assert dead_letter_reason(InvalidThing("category", "not a category of consumer_complaint")) == \
        "invalid (category): not a category of consumer_complaint"
    assert dead_letter_reason(Rejected("evaluation of unknown appeal")) == "evaluation of unknown appeal"
    assert dead_letter_reason(KeyError("x")).startswith("handler failed: KeyError")


def test_a_domain_check_is_still_the_error_its_callers_catch():
    wrong = InvalidThing("district", "not one of Shenyang's 13 county-level divisions")
    assert isinstance(wrong, ValueError) and isinstance(wrong, Refused)
    assert str(wrong) == "district: not one of Shenyang's 13 county-level divisions"
    assert str(conflict("already decided")) == "already decided"
