"""The unit workbench: the inbox by deadline, one appeal with sign / return / extension /
reply (a co-handling unit: its contribution to the lead unit, 协办意见, which the lead unit reads
on the same page), the unit's response templates, and the reminders and supervision orders
addressed to it.

The unit is always the logged-in person's own (never taken from the address), and routing
and sla check the token's unit claim again.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.workbench.adapters import templates_store
from services.workbench.adapters.platform import PlatformUnavailable
from services.workbench.domain import deadlines, forms
from services.workbench.domain.labels import OUTCOMES
from services.workbench.pages.common import PageRoute, Session, area, form_of, render, see_other
from shared.db import connection
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/unit", route_class=PageRoute, include_in_schema=False)
UnitSession = Annotated[Session, Depends(area("unit"))]
Context = Annotated[ServiceContext, Depends(context_of)]
INBOX_SIZE = 50  # one page of routing's inbox: the soonest deadlines first
RETURNED = ("已退单，等待平台审核。", "Returned: the platform reviews it.")


def _parse_time(value):
    from datetime import datetime
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _with_deadline(item: dict, now) -> dict:
    deadline = item.get("deadline") or {}
    due_at = _parse_time(deadline["due_at"]) if deadline.get("due_at") else None
    item["due_at"] = due_at
    if deadline.get("stopped_at") or item.get("state") == "replied":  # the clock stopped: no colour of lateness
        item["days_left"], item["urgency"] = None, "done"
        return item
    item["days_left"] = deadlines.working_days_left(now, due_at) if due_at else None
    item["urgency"] = deadlines.urgency(now, due_at)
    return item


async def _notices(session: Session, appeal_id: UUID | None = None) -> list[dict]:
    """The reminders, overdue notices, supervision and supervision orders sla holds for this unit."""
    answer = await session.get("sla", f"/v1/units/{session.staff.unit_code}/notices",
                               appeal_id=str(appeal_id) if appeal_id else None)
    return answer.body.get("items", []) if answer.ok else []


@router.get("")
async def inbox(request: Request, session: UnitSession, ctx: Context) -> Response:
    unit = session.staff.own_unit
    raw_page = request.query_params.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1
    answer = await session.get("routing", f"/v1/units/{unit}/appeals", page_size=INBOX_SIZE, page=page)
    if not answer.ok:
        raise PlatformUnavailable("routing")
    now = ctx.clock.now()
    items = [_with_deadline(i, now) for i in answer.body["items"]]
    notices = await _notices(session)
    total = answer.body.get("total", 0)
    done = RETURNED if request.query_params.get("done") == "return" else None
    return render(request, "unit_inbox.html", session, items=items, total=total, page=page, request_done=done,
                  more=page * INBOX_SIZE < total, notices=notices[:50], open_orders=[n for n in notices if n["kind"] == "supervision_order"
                                                and not n.get("answered_at")])


async def _appeal_page(request: Request, session: Session, ctx: ServiceContext, appeal_id: UUID, *,
                       status: int = 200, errors: forms.Errors | None = None, values: dict | None = None,
                       done: str | None = None) -> Response:
    unit = session.staff.own_unit
    answer = await session.get("routing", f"/v1/units/{unit}/appeals/{appeal_id}")
    if not answer.ok:  # another unit's appeal looks exactly like one that does not exist
        return render(request, "not_found.html", session, status=404)
    appeal = _with_deadline(answer.body, ctx.clock.now())
    if appeal.get("role") == "lead" and not appeal.get("contact"):
        # Routing holds no contact in clear: intake answers the lead unit with its own token.
        contact = await session.get("intake", f"/v1/appeals/{appeal_id}/contact")
        appeal["contact"] = contact.body if contact.ok else None
        appeal["contact_forgotten"] = contact.status == 410
    async with connection(ctx.pool) as conn:
        templates = await templates_store.of_unit(conn, unit)
        chosen_id = request.query_params.get("template", "")
        chosen = await templates_store.one(conn, unit, int(chosen_id)) if chosen_id.isdigit() else None
    values = dict(values or {})
    if chosen and "reply" not in values:
        values.update(reply=chosen["body"], outcome=chosen["outcome"])
    return render(request, "unit_appeal.html", session, status=status, appeal=appeal, templates=templates,
                  errors=errors or {}, values=values, done=done or request.query_params.get("done"),
                  notices=await _notices(session, appeal_id), outcomes=OUTCOMES)


@router.get("/appeals/{appeal_id}")
async def appeal(request: Request, appeal_id: UUID, session: UnitSession, ctx: Context) -> Response:
    return await _appeal_page(request, session, ctx, appeal_id)


ACTIONS = ("sign", "return", "extension", "reply", "contribute")
# A co-handling unit's contribution (协办意见) is routing's reply action: from a co-handling unit
# it goes to the lead unit (CoHandlerReplied), never to the petitioner.
API_ACTION = {"contribute": "reply"}


@router.post("/appeals/{appeal_id}/{action}")
async def act(request: Request, appeal_id: UUID, action: str, session: UnitSession, ctx: Context) -> Response:
    if action not in ACTIONS:
        return render(request, "not_found.html", session, status=404)
    form = await form_of(request)
    errors: forms.Errors = {}
    body: dict = {"action_id": form.get("action_id", "")}
    if not body["action_id"]:
        errors["_form"] = ("表单已失效，请重新打开页面", "This form is stale: open the page again")
    if action == "return":
        body["reason"] = forms.text(form, "reason", errors, label=("退单理由", "Reason"))
    elif action == "extension":
        body["working_days"] = forms.whole_number(form, "working_days", errors, label=("延期天数", "Working days"),
                                                  low=1, high=60)
        body["reason"] = forms.text(form, "ext_reason", errors, label=("延期理由", "Reason"))
    elif action == "reply":
        body["reply"] = forms.text(form, "reply", errors, label=("答复内容", "Reply"))
        body["outcome"] = forms.choice(form, "outcome", OUTCOMES, errors, label=("办理结果", "Outcome"))
    elif action == "contribute":
        body["reply"] = forms.text(form, "contribution", errors, label=("协办意见", "Contribution"))
    if not errors:
        answer = await session.post(
            "routing", f"/v1/units/{session.staff.unit_code}/appeals/{appeal_id}/{API_ACTION.get(action, action)}", body)
        if answer.ok:  # a returned letter leaves the unit's hands: back to the inbox, which says so
            return see_other("/unit?done=return" if action == "return" else f"/unit/appeals/{appeal_id}?done={action}")
        if answer.status == 422:
            renamed = {"extension": {"reason": "ext_reason"}, "contribute": {"reply": "contribution"}}.get(action, {})
            errors = forms.from_service({renamed.get(k, k): v for k, v in answer.field_errors().items()},
                                        ("reason", "ext_reason", "working_days", "reply", "outcome", "contribution"))
        else:  # 404 (not this unit's), 409 (not in a state for it): said in the person's words
            errors = {"_form": (f"未能办理：{answer.detail}", f"Not done: {answer.detail}")}
    return await _appeal_page(request, session, ctx, appeal_id, status=422, errors=errors,
                              values={**form, "action": action})


@router.post("/orders/{order_id}/answer")
async def answer_order(request: Request, order_id: UUID, session: UnitSession, ctx: Context) -> Response:
    form = await form_of(request)
    errors: forms.Errors = {}
    answer_text = forms.text(form, "answer", errors, label=("督办回复", "Answer"))
    back = form.get("back", "/unit")
    back = back if back.startswith("/unit") else "/unit"
    if not errors:
        answer = await session.post("sla", f"/v1/units/{session.staff.unit_code}/orders/{order_id}/answer",
                                    {"action_id": form.get("action_id", ""), "answer": answer_text})
        if answer.ok:
            return see_other(back + ("&" if "?" in back else "?") + "done=answer")
        errors = {"_form": (f"未能回复：{answer.detail}", f"Not answered: {answer.detail}")}
    return render(request, "message.html", session, status=422, errors=errors, back=back)


@router.get("/templates")
async def templates(request: Request, session: UnitSession, ctx: Context) -> Response:
    async with connection(ctx.pool) as conn:
        kept = await templates_store.of_unit(conn, session.staff.own_unit)
    return render(request, "unit_templates.html", session, templates=kept, errors={}, values={}, outcomes=OUTCOMES)


@router.post("/templates")
async def save_template(request: Request, session: UnitSession, ctx: Context) -> Response:
    form = await form_of(request)
    unit = session.staff.own_unit
    async with connection(ctx.pool) as conn:
        if form.get("delete", "").isdigit():
            await templates_store.remove(conn, unit, int(form["delete"]))
            return see_other("/unit/templates")
        errors: forms.Errors = {}
        title = forms.text(form, "title", errors, label=("模板名称", "Title"), max_length=100)
        body = forms.text(form, "body", errors, label=("模板内容", "Text"))
        outcome = forms.choice(form, "outcome", OUTCOMES, errors, label=("办理结果", "Outcome"))
        if not errors and outcome is not None:  # a required choice: no error means one was made
            await templates_store.save(conn, unit, title, body, outcome, session.staff.username, ctx.clock.now())
            return see_other("/unit/templates")
        kept = await templates_store.of_unit(conn, unit)
    return render(request, "unit_templates.html", session, status=422, templates=kept, errors=errors, values=form,
                  outcomes=OUTCOMES)
