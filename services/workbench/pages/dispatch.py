"""The dispatcher's page: intake's review queue (classify, accept, refuse with a reason) and
routing's queue of returned, unroutable and escalated letters (re-dispatch, uphold, dispatch),
each with the catalogue's view beside it: which rules fit and why (the conditions met, the keywords
found), which of their units already returned it, and the unit advised, pre-selected
(routing's GET /v1/appeals/{id}/catalogue-fit).

Dispatchers act with the operator's API role. These decisions carry no action id in the APIs;
they apply to an appeal in one state only, so a form sent twice applies once and the second
answer (409) is shown as "already decided".
"""

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.workbench.adapters.platform import PlatformUnavailable
from services.workbench.domain import forms
from services.workbench.domain.labels import SUBTYPES, TYPES
from services.workbench.pages.common import PageRoute, Session, area, form_of, render, see_other
from shared.contracts.vocabulary import CATEGORIES, DISTRICT_NAMES_ZH

router = APIRouter(prefix="/dispatch", route_class=PageRoute, include_in_schema=False)
DispatchSession = Annotated[Session, Depends(area("dispatch"))]
ALL_CATEGORIES = sorted({c for cs in CATEGORIES.values() for c in cs})
DONE = {"accepted": ("已受理并进入派单", "Accepted and sent on for dispatch"), "refused": ("已不予受理", "Refused"),
        "redispatch": ("已改派", "Re-dispatched"), "uphold": ("已维持原派单", "Original dispatch upheld"),
        "dispatch": ("已派单", "Dispatched"), "already": ("该件已由他人处理，未重复操作", "Already decided by someone: not applied twice")}


async def _page(request: Request, session: Session, *, status: int = 200, errors: dict | None = None,
                failed_for: str | None = None, values: dict | None = None) -> Response:
    held = await session.get("intake", "/v1/review-queue", limit=50)
    queue = await session.get("routing", "/v1/dispatch-queue", page_size=50)
    directory = await session.get("routing", "/v1/directory")
    if not (held.ok and queue.ok and directory.ok):
        raise PlatformUnavailable("intake" if not held.ok else "routing")
    units = sorted(((u["code"], u["name_zh"], u["name_en"]) for u in directory.body["units"]), key=lambda u: u[0])
    items = queue.body["items"]
    fits = await asyncio.gather(*(_catalogue_fit(session, item["appeal_id"]) for item in items))
    for item, fit in zip(items, fits, strict=True):
        item["fit"] = fit
    return render(request, "dispatch.html", session, status=status, held=held.body["items"],
                  queue=items, queue_total=queue.body["total"], units=units, types=TYPES,
                  subtypes=SUBTYPES, categories=ALL_CATEGORIES, districts=[d.value for d in DISTRICT_NAMES_ZH],
                  errors=errors or {}, failed_for=failed_for, values=values or {},
                  done=DONE.get(request.query_params.get("done", "")))


async def _catalogue_fit(session: Session, appeal_id: str) -> dict | None:
    """Routing's view of which rules fit the appeal and why; None when it cannot say (the page
    still works: the dispatcher picks the unit by hand)."""
    answer = await session.get("routing", f"/v1/appeals/{appeal_id}/catalogue-fit")
    return answer.body if answer.ok else None


@router.get("")
async def dispatch_page(request: Request, session: DispatchSession) -> Response:
    return await _page(request, session)


async def _after(request: Request, session: Session, answer, done: str, appeal_id: UUID, form: dict,
                 fields: tuple[str, ...]) -> Response:
    if answer.ok:
        return see_other(f"/dispatch?done={done}")
    if answer.status == 409:
        return see_other("/dispatch?done=already")
    errors = forms.from_service(answer.field_errors(), fields) if answer.status == 422 else {
        "_form": (f"未能办理：{answer.detail}", f"Not done: {answer.detail}")}
    return await _page(request, session, status=422, errors=errors, failed_for=str(appeal_id), values=form)


@router.post("/review/{appeal_id}/{decision}")
async def review(request: Request, appeal_id: UUID, decision: str, session: DispatchSession) -> Response:
    form = await form_of(request)
    errors: forms.Errors = {}
    reason = forms.text(form, "reason", errors, label=("理由", "Reason"), max_length=500)
    body: dict = {"reason": reason}
    if decision == "accept":
        for field, allowed, label in (("appeal_type", TYPES, ("诉求类型", "Type")),
                                      ("subtype", SUBTYPES, ("子类", "Subtype")),
                                      ("category", ALL_CATEGORIES, ("类别", "Category")),
                                      ("district", [d.value for d in DISTRICT_NAMES_ZH], ("区域", "District"))):
            value = forms.choice(form, field, allowed, errors, label=label, required=field != "subtype")
            if value:
                body[field] = value
    elif decision != "refuse":
        return render(request, "not_found.html", session, status=404)
    if errors:
        return await _page(request, session, status=422, errors=errors, failed_for=str(appeal_id), values=form)
    path = f"/v1/appeals/{appeal_id}/{'acceptance' if decision == 'accept' else 'refusal'}"
    answer = await session.post("intake", path, body)
    return await _after(request, session, answer, "accepted" if decision == "accept" else "refused", appeal_id,
                        form, ("appeal_type", "subtype", "category", "district", "reason"))


@router.post("/letters/{appeal_id}/{decision}")
async def letter(request: Request, appeal_id: UUID, decision: str, session: DispatchSession) -> Response:
    form = await form_of(request)
    errors: forms.Errors = {}
    reason = forms.text(form, "reason", errors, label=("理由", "Reason"), max_length=200)
    unit = form.get("unit_code") or None
    if decision in ("redispatch", "dispatch") and not unit:
        errors["unit_code"] = ("请选择承办单位", "Choose the unit")
    if decision not in ("redispatch", "uphold", "dispatch"):
        return render(request, "not_found.html", session, status=404)
    if errors:
        return await _page(request, session, status=422, errors=errors, failed_for=str(appeal_id), values=form)
    # the catalogue's co-handling units of the advised rule, when the dispatcher kept them ticked
    co = forms.unit_codes(form, "with_co", errors) if decision in ("redispatch", "dispatch") else ()
    if errors:
        return await _page(request, session, status=422, errors=errors, failed_for=str(appeal_id), values=form)
    if decision == "dispatch":
        answer = await session.post("routing", f"/v1/appeals/{appeal_id}/dispatch",
                                    {"unit_code": unit, "co_unit_codes": list(co), "reason": reason})
    else:
        answer = await session.post("routing", f"/v1/appeals/{appeal_id}/review", {
            "decision": decision, "unit_code": unit if decision == "redispatch" else None,
            **({"co_unit_codes": list(co)} if decision == "redispatch" else {}), "reason": reason})
    return await _after(request, session, answer, decision, appeal_id, form, ("unit_code", "reason", "with_co"))
