"""Publication's refusals are the platform's Refused, answered once by shared/http.py; only the
evaluation conflict keeps its documented body with the stable code."""

import httpx
from fastapi import FastAPI

from services.publication.api.errors import as_http
from services.publication.api.public import checked_code
from services.publication.domain.evaluation import EvaluationRefused
from services.publication.handlers.inquiry import NOT_FOUND_DETAIL, NotFound, TooManyAttempts
from shared.http import install_common_routes
from shared.refusals import Refusal, Refused


def _app() -> FastAPI:
    app = FastAPI()
    install_common_routes(app, "publication", {})  # the platform's refusal mapping, as every service has it

    @app.get("/hidden")
    async def hidden() -> None:
        raise NotFound()

    @app.get("/code")
    async def code(value: str) -> dict[str, str | None]:
        return {"code": checked_code(value, "X-Inquiry-Code")}

    return app


async def get(path: str, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://test") as client:
        return await client.get(path, params=params)


async def test_an_appeal_not_shown_is_the_platforms_404_with_publications_words():
    answer = await get("/hidden")
    assert answer.status_code == 404
    assert answer.json() == {"detail": NOT_FOUND_DETAIL, "kind": "not_found"}


async def test_a_malformed_inquiry_code_names_its_field_and_never_echoes_it():
    answer = await get("/code", value="1")
    assert answer.status_code == 422
    assert answer.json() == {"detail": "invalid request",
                             "errors": [{"field": "X-Inquiry-Code", "reason": "an inquiry code is 4-32 letters and digits"}]}


def test_an_evaluation_refusal_is_a_conflict_in_domain_words_with_a_stable_code():
    refused = EvaluationRefused("window_closed", "ratings are taken within 30 days of the reply")
    assert isinstance(refused, Refused) and refused.kind is Refusal.CONFLICT
    assert refused.describe() == "conflict: ratings are taken within 30 days of the reply"
    answer = as_http(refused)
    assert answer.status_code == 409
    assert answer.detail == {"reason": "window_closed", "message": "ratings are taken within 30 days of the reply"}


def test_too_many_attempts_says_when_to_try_again():
    answer = as_http(TooManyAttempts(840))
    assert answer.status_code == 429 and answer.headers == {"Retry-After": "840"}
