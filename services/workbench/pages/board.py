"""The supervisor board: overdue and supervised appeals by level and unit, concentrated-appeal
clusters, supervision orders (督办单) issued by hand and the units' answers, extension requests."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.workbench.adapters.platform import PlatformUnavailable
from services.workbench.domain import deadlines, forms
from services.workbench.domain.labels import MODES
from services.workbench.pages.common import PageRoute, Session, area, form_of, render, see_other

router = APIRouter(prefix="/board", route_class=PageRoute, include_in_schema=False)
BoardSession = Annotated[Session, Depends(area("board"))]
PAGE = 50


def _filters(request: Request) -> dict:
    q = request.query_params
    kind = q.get("kind") if q.get("kind") in ("overdue", "supervised") else None
    unit = q.get("unit", "").upper() or None
    level = int(q["level"]) if q.get("level", "") in ("0", "1", "2", "3") else None
    page = int(q["page"]) if q.get("page", "").isdigit() and 0 < int(q["page"]) <= 10_000 else 1
    return {"kind": kind, "unit": unit if unit and unit.replace("-", "").replace("_", "").isalnum() else None,
            "level": level, "page": page}


@router.get("")
async def board(request: Request, session: BoardSession) -> Response:
    chosen = _filters(request)
    summary = await session.get("sla", "/v1/supervision/summary")
    listing = await session.get("sla", "/v1/supervision/appeals", page_size=PAGE, **chosen)
    if not (summary.ok and listing.ok):
        raise PlatformUnavailable("sla")
    clusters = await session.get("sla", "/v1/supervision/clusters", days=7, limit=20)
    orders = await session.get("sla", "/v1/supervision/orders", page_size=20)
    by_unit: dict[str, dict] = {}
    for row in summary.body["rows"]:
        unit = by_unit.setdefault(row["unit_code"], {"unit_code": row["unit_code"], "levels": {}, "overdue": 0,
                                                     "appeals": 0})
        unit["levels"][row["level"]] = row["appeals"]
        unit["overdue"] += row["overdue"]
        unit["appeals"] += row["appeals"]
    now = session.ctx.clock.now()
    for row in listing.body["items"]:
        row.update(deadlines.overdue_column(row.get("overdue_since"), row.get("due_at"), now))
    units = sorted(by_unit.values(), key=lambda u: (-max(u["levels"]), -u["overdue"], u["unit_code"]))
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v is not None and k != "page")
    return render(request, "board.html", session, units=units, listing=listing.body["items"],
                  total=listing.body["total"], chosen=chosen, query=query, more=chosen["page"] * PAGE < listing.body["total"],
                  clusters=clusters.body.get("items", []) if clusters.ok else [],
                  orders=orders.body.get("items", []) if orders.ok else [], not_found=request.query_params.get("nf"))


@router.get("/find")
async def find(request: Request, session: BoardSession) -> Response:
    """A tracking number read out on the phone or seen in a report: straight to that appeal."""
    number = request.query_params.get("number", "").strip().upper()
    answer = await session.get("intake", f"/v1/appeals/by-number/{number}") if number else None
    if answer is None or not answer.ok:
        return see_other("/board?nf=1")
    return see_other(f"/board/appeals/{answer.body['appeal_id']}")


async def _appeal_page(request: Request, session: Session, appeal_id: UUID, *, status: int = 200,
                       errors: dict | None = None, values: dict | None = None) -> Response:
    appeal = await session.get("routing", f"/v1/appeals/{appeal_id}")
    if appeal.status == 404:
        return render(request, "not_found.html", session, status=404)
    if not appeal.ok:
        raise PlatformUnavailable("routing")
    explanation = await session.get("sla", f"/v1/deadlines/{appeal_id}/explanation")
    unit = appeal.body.get("unit_code")
    notices = await session.get("sla", f"/v1/units/{unit}/notices", appeal_id=str(appeal_id)) if unit else None
    return render(request, "board_appeal.html", session, status=status, appeal=appeal.body,
                  deadline=explanation.body if explanation.ok else None,
                  notices=notices.body.get("items", []) if notices is not None and notices.ok else [],
                  modes=MODES, errors=errors or {}, values=values or {}, done=request.query_params.get("done"))


@router.get("/appeals/{appeal_id}")
async def appeal(request: Request, appeal_id: UUID, session: BoardSession) -> Response:
    return await _appeal_page(request, session, appeal_id)


@router.post("/appeals/{appeal_id}/orders")
async def issue_order(request: Request, appeal_id: UUID, session: BoardSession) -> Response:
    form = await form_of(request)
    errors: forms.Errors = {}
    mode = forms.choice(form, "mode", MODES, errors, label=("督办方式", "Mode"))
    instructions = forms.text(form, "instructions", errors, label=("督办要求", "Instructions"))
    if not errors:
        answer = await session.post("sla", "/v1/supervision/orders", {
            "action_id": form.get("action_id", ""), "appeal_id": str(appeal_id), "mode": mode,
            "instructions": instructions})
        if answer.ok:
            return see_other(f"/board/appeals/{appeal_id}?done=order")
        errors = forms.from_service(answer.field_errors(), ("mode", "instructions")) if answer.status == 422 else {
            "_form": (f"未能下发：{answer.detail}", f"Not issued: {answer.detail}")}
    return await _appeal_page(request, session, appeal_id, status=422, errors=errors, values=form)


@router.get("/extensions")
async def extensions(request: Request, session: BoardSession) -> Response:
    pending = await session.get("sla", "/v1/extensions", status="pending", page_size=100)
    if not pending.ok:
        raise PlatformUnavailable("sla")
    return render(request, "board_extensions.html", session, items=pending.body["items"],
                  done=request.query_params.get("done"), errors={}, failed_for=None)


@router.post("/extensions/{extension_id}")
async def decide(request: Request, extension_id: UUID, session: BoardSession) -> Response:
    form = await form_of(request)
    errors: forms.Errors = {}
    reason = forms.text(form, "reason", errors, label=("审批意见", "Reason"), max_length=500)
    approved = form.get("decision") == "approve"
    if not errors:
        answer = await session.post("sla", f"/v1/extensions/{extension_id}/decision",
                                    {"approved": approved, "reason": reason})
        if answer.ok:
            return see_other(f"/board/extensions?done={'approved' if approved else 'refused'}")
        if answer.status == 409:
            return see_other("/board/extensions?done=already")
        errors = {"_form": (f"未能审批：{answer.detail}", f"Not decided: {answer.detail}")}
    pending = await session.get("sla", "/v1/extensions", status="pending", page_size=100)
    return render(request, "board_extensions.html", session, status=422,
                  items=pending.body.get("items", []) if pending.ok else [], done=None, errors=errors,
                  failed_for=str(extension_id))
