"""The call-taker console (受理台): built for speed while the caller is on the line.

District picker, channel preset (12345 or the business line, key 6), the caller's phone
bringing up their earlier and open appeals (intake's operator lookup), an emergency warning,
the classifier's suggestion with the terms that weighed most and a consultation's
knowledge-base answer while the call-taker types (intake's POST /v1/classification; htmx asks
as the description changes, without JavaScript a "suggest" button does), and a private flag
whose inquiry code is shown once, to read out. The form's action id is the
submission's channel_message_id, so a form sent twice files one appeal.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.workbench.domain import forms
from services.workbench.domain.labels import CHANNELS, SUBTYPES, TYPES
from services.workbench.pages.common import PageRoute, Session, area, form_of, render
from shared.contracts.vocabulary import DISTRICT_NAMES_ZH

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)
ConsoleSession = Annotated[Session, Depends(area("console"))]
PRESETS = ("phone", "phone_business_line")
FIELDS = ("channel", "district", "name", "phone", "description", "address", "appeal_type", "subtype", "private")


def _choices():
    return {"channels": {c: CHANNELS[c] for c in PRESETS}, "districts": [d.value for d in DISTRICT_NAMES_ZH],
            "types": TYPES, "subtypes": SUBTYPES}


async def _caller_history(session: Session, phone: str) -> list[dict] | None:
    """The caller's appeals, newest first; None when intake offers no lookup."""
    answer = await session.get("intake", "/v1/callers/appeals", phone=phone)
    return answer.body.get("items", []) if answer.ok else None


@router.get("")
async def console(request: Request, session: ConsoleSession) -> Response:
    channel = request.query_params.get("channel")
    return render(request, "console.html", session, values={"channel": channel if channel in PRESETS else "phone"},
                  errors={}, history=None, suggestion=None, **_choices())


@router.post("/lookup")
async def lookup(request: Request, session: ConsoleSession) -> Response:
    """The caller's earlier and open appeals; the form comes back as typed (no-JS path too)."""
    form = await form_of(request)
    errors: forms.Errors = {}
    phone = forms.phone(form, "phone", errors)
    history = None if errors else await _caller_history(session, phone)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "caller":
        return render(request, "console_history.html", session, history=history, errors=errors)
    suggestion = await _suggestion(session, form) if form.get("description") else None
    return render(request, "console.html", session, values=form, errors=errors, history=history,
                  suggestion=suggestion, **_choices())


SUGGEST_AFTER = 5  # characters: fewer say nothing the classifier could weigh


async def _suggestion(session: Session, form: dict[str, str]) -> dict:
    """What intake would decide about the description as typed: {"state": ...} for the template."""
    description = form.get("description", "").strip()
    if len(description) < SUGGEST_AFTER:
        return {"state": "short"}
    channel = form.get("channel") if form.get("channel") in PRESETS else "phone"
    answer = await session.post("intake", "/v1/classification",
                                {"description": description[:forms.MAX_TEXT], "channel": channel})
    if not answer.ok:
        return {"state": "failed", "detail": answer.detail}
    return {"state": "ready", **answer.body}


@router.post("/suggest")
async def suggest(request: Request, session: ConsoleSession) -> Response:
    """The classifier's suggestion for the description typed so far; nothing is filed. htmx swaps
    the suggestion in as the call-taker types; without JavaScript the whole form comes back as typed."""
    form = await form_of(request)
    suggestion = await _suggestion(session, form)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "suggestion":
        return render(request, "console_suggestion.html", session, suggestion=suggestion)
    phone = "".join(ch for ch in form.get("phone", "") if ch.isdigit())
    history = await _caller_history(session, phone) if 7 <= len(phone) <= 12 else None
    return render(request, "console.html", session, values=form, errors={}, history=history,
                  suggestion=suggestion, **_choices())


@router.post("")
async def file_appeal(request: Request, session: ConsoleSession) -> Response:
    form = await form_of(request)
    errors: forms.Errors = {}
    channel = forms.choice(form, "channel", PRESETS, errors, label=("受理渠道", "Channel"))
    district = forms.choice(form, "district", [d.value for d in DISTRICT_NAMES_ZH], errors, label=("区域", "District"))
    name = forms.text(form, "name", errors, label=("来电人姓名", "Caller's name"), max_length=50)
    phone = forms.phone(form, "phone", errors)
    description = forms.text(form, "description", errors, label=("诉求内容", "Description"), min_length=5)
    address = form.get("address", "")[:200] or None
    appeal_type = forms.choice(form, "appeal_type", TYPES, errors, label=("诉求类型", "Type"), required=False)
    subtype = forms.choice(form, "subtype", SUBTYPES, errors, label=("子类", "Subtype"), required=False)
    action_id = form.get("action_id", "")
    if not action_id:
        errors["_form"] = ("表单已失效，请重新打开页面", "This form is stale: open the page again")
    if not errors:
        submission = {
            "channel": channel, "channel_message_id": f"console-{action_id}", "district": district,
            "description": description, "petitioner": {"name": name, "phone": phone},
            "private": form.get("private") == "on", "address": address,
            **({"appeal_type": appeal_type} if appeal_type else {}), **({"subtype": subtype} if subtype else {}),
        }
        answer = await session.post("intake", "/v1/appeals", submission)
        if answer.ok:
            response = render(request, "console_receipt.html", session, receipt=answer.body,
                              replayed=answer.status == 200, private=submission["private"])
            return response  # render() already sends no-store: the inquiry code is shown once
        if answer.status == 422:
            errors = forms.from_service(answer.field_errors(), FIELDS)
        else:
            errors = {"_form": (f"未能提交：{answer.detail}", f"Not filed: {answer.detail}")}
    history = await _caller_history(session, phone) if "phone" not in errors and phone else None
    return render(request, "console.html", session, status=422, values=form, errors=errors, history=history,
                  suggestion=None, **_choices())


@router.post("/answer/{appeal_id}")
async def confirm_answer(request: Request, appeal_id: UUID, session: ConsoleSession) -> Response:
    """A consultation the knowledge base answered: the call-taker says whether the caller was
    answered (it closes at intake) or not (it is dispatched as any appeal). Twice applies once."""
    form = await form_of(request)
    answered = form.get("answered") == "yes"
    answer = await session.post("intake", f"/v1/appeals/{appeal_id}/answer-confirmation", {"answered": answered})
    if answer.ok:
        outcome = "answered" if answer.body.get("status") == "answered" else "dispatched"
    elif answer.status == 409:
        outcome = "already"
    else:
        outcome = "failed"
    return render(request, "console_answered.html", session, status=200 if answer.ok or answer.status == 409 else 422,
                  outcome=outcome, detail=answer.detail if not answer.ok else "")
