"""Supervision orders and the notices a unit receives.

- `POST /v1/supervision/orders` (supervisor): issue an order in one of the five modes; the
  action id makes a resent form one order.
- `GET /v1/supervision/orders` (supervisor, admin): orders, newest first.
- `GET /v1/supervision/clusters` (supervisor, admin): concentrated-appeal clusters.
- `GET /v1/units/{unit}/notices` (that unit; supervisor, admin): its reminders, overdue
  notices, supervision steps and orders, as on the unit-facing topic.
- `POST /v1/units/{unit}/orders/{order_id}/answer` (that unit): its answer, once.
"""

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.sla.adapters import orders as store
from services.sla.adapters.rules_file import load_rules
from services.sla.domain.unit_notices import LEVEL_WORDS, MODE_WORDS, notice_id
from services.sla.handlers.supervision_orders import answer_order, issue_order
from shared.auth import Principal, require
from shared.contracts.events import LongText, SupervisionMode, UnitCode
from shared.db import connection
from shared.refusals import forbidden, not_found
from shared.runtime import Context

router = APIRouter(prefix="/v1", tags=["supervision orders"])
ActionId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00]*$",
                                description="Your id for this action: sending it again applies it once")]
REFUSALS: dict[int | str, dict[str, Any]] = {404: {"description": "No such order for this unit"}, 409: {"description": "Already answered, "
            "or no open deadline"}}


class OrderBody(BaseModel):
    action_id: ActionId
    appeal_id: UUID
    mode: SupervisionMode
    instructions: LongText


class AnswerBody(BaseModel):
    action_id: ActionId
    answer: LongText


@router.post("/supervision/orders", status_code=201, responses=REFUSALS)
async def issue(body: OrderBody, ctx: Context, who: Annotated[Principal, Depends(require("supervisor"))]) -> dict:
    """Issue a supervision order (督办单) to the unit that holds the appeal now."""
    async with ctx.units_of_work() as uow:
        order, new = await issue_order(uow, action_id=body.action_id, appeal_id=body.appeal_id, mode=body.mode,
                                       instructions=body.instructions, issued_by=who.subject, now=ctx.clock.now())
    return {**_public(order), "replayed": not new}


@router.get("/supervision/orders")
async def list_orders(ctx: Context, _: Annotated[Principal, Depends(require("supervisor", "admin"))],
                      unit: Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")] = None,
                      answered: bool | None = None,
                      page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                      page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    async with connection(ctx.pool) as conn:
        items = await store.orders(conn, unit_code=unit, answered=answered, limit=page_size,
                                   offset=(page - 1) * page_size)
    return {"page": page, "page_size": page_size, "items": items}


@router.get("/supervision/clusters")
async def clusters(ctx: Context, _: Annotated[Principal, Depends(require("supervisor", "admin"))],
                   days: Annotated[int, Query(ge=1, le=90)] = 7,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """Concentrated-appeal clusters with a member in the last `days` days, latest first."""
    async with connection(ctx.pool) as conn:
        return {"items": await store.clusters(conn, ctx.clock.now() - timedelta(days=days), limit)}


@router.get("/units/{unit_code}/notices")
async def notices(unit_code: UnitCode, ctx: Context,
                  who: Annotated[Principal, Depends(require("unit", "supervisor", "admin"))],
                  appeal_id: UUID | None = None,
                  limit: Annotated[int, Query(ge=1, le=200)] = 100) -> dict:
    """The unit's notices: ladder steps of its open appeals and its supervision orders, newest first."""
    if not who.may_act_for(unit_code):
        raise forbidden(f"a unit token sees only its own unit's notices, not {unit_code}'s")
    steps = {s.name: s for s in load_rules().ladder}
    async with connection(ctx.pool) as conn:
        fired = await store.ladder_notices(conn, unit_code, appeal_id, limit)
        kept = await store.unit_orders(conn, unit_code, appeal_id, limit)
    items = []
    for f in fired:
        step = steps.get(f["step"])
        kind = step.kind if step else "supervision"
        level = step.level if step and kind == "supervision" else None
        items.append({"notice_id": notice_id(f["appeal_id"], f["epoch"], f["step"]), "kind": kind, "level": level,
                      "appeal_id": f["appeal_id"], "at": f["fired_at"], "due_at": f["due_at"],
                      "text": LEVEL_WORDS.get(level, "") if level else
                      ("办理期限即将到期，请抓紧办理" if kind == "reminder" else "已超过办理期限，请立即办理")})
    for o in kept:
        items.append({"notice_id": notice_id(o["order_id"]), "kind": "supervision_order", "level": None,
                      "appeal_id": o["appeal_id"], "at": o["issued_at"], "order_id": o["order_id"], "mode": o["mode"],
                      "text": o["instructions"], "mode_words": MODE_WORDS[o["mode"]], "answer": o["answer"],
                      "answered_at": o["answered_at"]})
    items.sort(key=lambda n: n["at"], reverse=True)
    return {"unit_code": unit_code, "items": items[:limit]}


@router.post("/units/{unit_code}/orders/{order_id}/answer", responses=REFUSALS)
async def answer(unit_code: UnitCode, order_id: UUID, body: AnswerBody, ctx: Context,
                 who: Annotated[Principal, Depends(require("unit"))]) -> dict:
    """The unit's answer to a supervision order; the same action id again changes nothing."""
    if not who.may_act_for(unit_code):
        raise not_found("no such supervision order for this unit")
    async with ctx.units_of_work() as uow:
        order, new = await answer_order(uow, order_id=order_id, unit_code=unit_code, action_id=body.action_id,
                                        answer=body.answer, answered_by=who.subject, now=ctx.clock.now())
    return {**_public(order), "replayed": not new}


def _public(order: dict) -> dict:
    return {k: v for k, v in order.items() if k != "answer_action_id"}
