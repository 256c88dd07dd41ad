"""The website's own appeal form: server-rendered, works without JavaScript, Chinese first.

Publication keeps no contact data and does not import intake, so the form is a thin client
of intake's web entrance, called server-side over HTTP (HOTLINE_INTAKE_URL):
1. the visitor fills in the form and asks for a code: POST /public/submit/code ->
   intake `POST /v1/web/phone-confirmations`, which sends the code by SMS;
2. the same form comes back with the code field (the other answers kept in the page, not on
   the server) and posts to /public/submit -> intake `POST /v1/appeals` (channel `web`) with
   `X-Confirmation-Id` / `X-Confirmation-Code`; the channel message id is derived from the
   confirmation id, so a form sent twice is one appeal;
3. the confirmation page shows the tracking number and, for a private appeal, the inquiry
   code, once (`Cache-Control: no-store`);
4. a consultation intake answers from its knowledge base (直接办结, `answer_offered`) shows the
   answer with two buttons: POST /public/submit/answer -> intake
   `POST /v1/appeals/{id}/answer-feedback` with the receipt's one-time answer token, kept in the
   (no-store) page only.
The visitor's address is forwarded in X-Forwarded-For, which intake honours from trusted
proxies only (HOTLINE_TRUSTED_PROXY_HEADER / HOTLINE_TRUSTED_PROXIES), so its limits count
visitors, not this server.
"""

from uuid import UUID

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.publication.api.public import client_of
from services.publication.api.web import _lang, _render
from services.publication.domain import labels
from shared.contracts.vocabulary import AppealType, District
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/public/submit", tags=["web"], include_in_schema=False)
FIELDS = ("name", "phone", "district", "appeal_type", "description", "address", "private")
LIMITS = {"name": 50, "phone": 32, "description": 4000, "address": 200}


def intake_url(ctx: ServiceContext) -> str:
    s = ctx.settings
    return (s.intake_url or f"http://{s.http_host}:{s.intake_port}").rstrip("/")


def _answers(form) -> dict:
    answers = {k: str(form.get(k) or "").strip()[:LIMITS.get(k, 64)] for k in FIELDS}
    answers["private"] = "1" if answers["private"] else ""
    return answers


def _page(lang: str, answers: dict, *, status: int = 200, message: str | None = None,
          confirmation_id: str | None = None) -> HTMLResponse:
    response = _render(
        "submit.html", lang, status, f=answers, message=message, confirmation_id=confirmation_id,
        districts=[(d.value, labels.district_name(d.value, lang)) for d in District],
        types=[(t.value, labels.type_name(t.value, lang)) for t in AppealType])
    response.headers["Cache-Control"] = "no-store"  # the page holds the visitor's phone number
    return response


def _problem(answers: dict, lang: str) -> str | None:
    missing = [k for k in ("name", "phone", "district", "description") if not answers[k]]
    if missing:
        return "Please fill in every required field." if lang == "en" else "请填写所有必填项。"
    if answers["district"] not in {d.value for d in District}:
        return "Choose a district of Shenyang." if lang == "en" else "请选择沈阳市的区县。"
    if answers["appeal_type"] and answers["appeal_type"] not in {t.value for t in AppealType}:
        answers["appeal_type"] = ""
    return None


def _refusal(response: httpx.Response, lang: str) -> str:
    """What to tell the visitor for intake's 4xx, without repeating what they sent."""
    if response.status_code == 429:
        return ("Too many attempts; please try again later." if lang == "en" else "操作过于频繁，请稍后再试。")
    if response.status_code in (401, 403):
        return ("The verification code is not valid (wrong, expired or used); ask for a new one."
                if lang == "en" else "验证码无效（错误、过期或已使用），请重新获取。")
    if response.status_code == 422:
        fields = {e.get("field", "") for e in response.json().get("errors", [])}
        if any("phone" in f for f in fields):
            return "Please enter a valid mobile or landline number." if lang == "en" else "请填写正确的手机号或固定电话。"
        return "Please check the form." if lang == "en" else "请检查填写的内容。"
    return "The service is busy; please try again." if lang == "en" else "系统繁忙，请稍后再试。"


async def _call(ctx: ServiceContext, request: Request, path: str, body: dict, headers: dict) -> httpx.Response | None:
    headers = {**headers, "X-Forwarded-For": client_of(request)}
    # Tests that run the services in one process hand over intake's app as the transport.
    transport = getattr(request.app.state, "intake_transport", None)
    try:
        async with httpx.AsyncClient(base_url=intake_url(ctx), timeout=10, transport=transport) as intake:
            return await intake.post(path, json=body, headers=headers)
    except httpx.HTTPError:
        return None


@router.get("", response_class=HTMLResponse)
@router.get("/code", response_class=HTMLResponse)  # the language link on a page answered to a POST
async def appeal_form(request: Request) -> HTMLResponse:
    return _page(_lang(request), dict.fromkeys(FIELDS, ""))


@router.post("/code", response_class=HTMLResponse)
async def send_code(request: Request, ctx: Context) -> HTMLResponse:
    lang, answers = _lang(request), _answers(await request.form())
    if (problem := _problem(answers, lang)) is not None:
        return _page(lang, answers, status=422, message=problem)
    sent = await _call(ctx, request, "/v1/web/phone-confirmations", {"phone": answers["phone"]}, {})
    if sent is None or sent.status_code != 202:
        return _page(lang, answers, status=sent.status_code if sent is not None else 503,
                     message=_refusal(sent, lang) if sent is not None else _refusal(httpx.Response(503), lang))
    return _page(lang, answers, confirmation_id=sent.json()["confirmation_id"], message=(
        "A verification code was sent to your phone; enter it below." if lang == "en"
        else "验证码已发送到您的手机，请在下方填写后提交。"))


@router.post("", response_class=HTMLResponse)
async def submit(request: Request, ctx: Context) -> HTMLResponse:
    lang, form = _lang(request), await request.form()
    answers = _answers(form)
    confirmation_id = str(form.get("confirmation_id") or "")[:64]
    code = str(form.get("code") or "").strip()[:16]
    if (problem := _problem(answers, lang)) is not None or not confirmation_id:
        return _page(lang, answers, status=422, message=problem or (
            "Ask for a verification code first." if lang == "en" else "请先获取验证码。"))
    body = {"channel": "web", "channel_message_id": f"webform-{confirmation_id}", "district": answers["district"],
            "description": answers["description"], "private": bool(answers["private"]),
            "petitioner": {"name": answers["name"], "phone": answers["phone"]}}
    if answers["appeal_type"]:
        body["appeal_type"] = answers["appeal_type"]
    if answers["address"]:
        body["address"] = answers["address"]
    filed = await _call(ctx, request, "/v1/appeals", body,
                        {"X-Confirmation-Id": confirmation_id, "X-Confirmation-Code": code})
    if filed is None or filed.status_code not in (200, 201, 202):
        status = filed.status_code if filed is not None else 503
        return _page(lang, answers, status=status, confirmation_id=confirmation_id,
                     message=_refusal(filed if filed is not None else httpx.Response(503), lang))
    receipt = filed.json()
    response = _render("submitted.html", lang, 201 if filed.status_code != 200 else 200, r=receipt)
    response.headers["Cache-Control"] = "no-store"  # the inquiry code is shown once
    return response


@router.post("/answer", response_class=HTMLResponse)
async def answer_word(request: Request, ctx: Context) -> HTMLResponse:
    """The visitor's word on the answer shown at submission: solved (closed at intake) or not (dispatched)."""
    lang, form = _lang(request), await request.form()
    token = str(form.get("answer_token") or "").strip()[:32]
    try:
        appeal_id: UUID | None = UUID(str(form.get("appeal_id") or ""))
    except ValueError:
        appeal_id = None
    if appeal_id is None or not token or form.get("solved") not in ("true", "false"):
        return _render("answered.html", lang, 422, word=None, refusal=(
            "Please use the buttons on the answer page." if lang == "en" else "请通过答复页面上的按钮选择。"))
    said = await _call(ctx, request, f"/v1/appeals/{appeal_id}/answer-feedback",
                       {"answer_token": token, "solved": form.get("solved") == "true"}, {})
    if said is not None and said.status_code == 200:
        return _render("answered.html", lang, 200, word=said.json()["status"])
    status = said.status_code if said is not None else 503
    if status == 409:
        message = ("Your choice was recorded already, or the appeal has been sent on meanwhile." if lang == "en"
                   else "您已作出选择，或该诉求已转交办理。")
    elif status in (404, 422):
        message = "This answer can no longer be confirmed here." if lang == "en" else "无法在此确认该答复。"
    else:
        message = _refusal(httpx.Response(status), lang)
    return _render("answered.html", lang, status, word=None, refusal=message)
