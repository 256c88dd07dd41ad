"""The responsible units' API: their inbox, one appeal, and the four actions.

A unit token sees and acts only on the appeals its unit holds (as lead or co-handling
unit); any other appeal answers 404, exactly like one that does not exist.
"""

import json
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.routing.adapters import repository, views
from services.routing.api.common import Page, Paged, PageSize, in_unit_of_work
from services.routing.domain.letters import HELD_BY_UNIT
from services.routing.handlers.unit_actions import Outcome, act
from shared.auth import Principal, require
from shared.contracts.events import (
    LongText,
    ReplyToAppeal,
    RequestExtension,
    ReturnAppeal,
    SignAppeal,
    UnitAction,
    UnitCode,
)
from shared.db import connection
from shared.refusals import forbidden, not_found
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/v1/units/{unit_code}", tags=["units"])
# PostgreSQL text cannot hold NUL: refused here (422), not by the database (500)
NO_NUL = r"^[^\x00]*$"
ActionId = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_NUL, description="Your id for this action: "
                                "sending it again applies it once")]


def _scope(principal: Principal, unit_code: str, *, hide: bool) -> None:
    if not principal.may_act_for(unit_code):
        if hide:
            raise not_found("no such appeal for this unit")
        raise forbidden(f"a unit token sees only its own unit's inbox, not {unit_code}'s")


@router.get("/appeals", response_model=Paged)
async def inbox(
    unit_code: UnitCode, ctx: Context,
    principal: Annotated[Principal, Depends(require("unit", "operator", "supervisor"))],
    page: Page = 1, page_size: PageSize = 20,
    state: Annotated[list[Literal["dispatched", "signed", "replied"]] | None, Query()] = None,
) -> Paged:
    """The unit's open appeals (lead or co-handling), soonest deadline first."""
    _scope(principal, unit_code, hide=False)
    states: list[str] = list(state) if state else sorted(s.value for s in HELD_BY_UNIT)
    async with connection(ctx.pool) as conn:
        rows, total = await views.inbox(conn, unit_code, states, page_size, (page - 1) * page_size)
    items = [
        {**{k: r[k] for k in ("appeal_id", "tracking_number", "appeal_type", "subtype", "category", "district",
                              "state", "role", "attempt", "rule_id", "dispatched_at", "signed_at", "replied_at",
                              "reopened")},
         "deadline": None if r["due_at"] is None else {
             "due_at": r["due_at"], "provisional": r["provisional"], "stopped_at": r["stopped_at"], "met": r["met"]}}
        for r in rows
    ]
    return Paged(items=items, page=page, page_size=page_size, total=total)


@router.get("/appeals/{appeal_id}")
async def appeal(unit_code: UnitCode, appeal_id: UUID, ctx: Context,
                 principal: Annotated[Principal, Depends(require("unit"))]) -> dict:
    """One appeal as the unit sees it; the petitioner's contact only for the lead unit. The lead
    unit sees every co-handling unit's contribution, a co-handling unit its own."""
    _scope(principal, unit_code, hide=True)
    async with connection(ctx.pool) as conn:
        t = await repository.get_transfer(conn, appeal_id)
        if t is None or t["state"] not in HELD_BY_UNIT or unit_code not in (t["unit_code"], *t["co_unit_codes"]):
            raise not_found("no such appeal for this unit")
        lead = t["unit_code"] == unit_code
        deadline = await views.deadline_of(conn, appeal_id)
        # the lead unit reads every co-handler's contribution; a co-handler reads its own
        co_replies = [r for r in await repository.co_replies_of(conn, appeal_id)
                      if lead or r["unit_code"] == unit_code]
    return {
        **{k: t[k] for k in ("appeal_id", "tracking_number", "appeal_type", "subtype", "category", "district",
                             "description", "state", "attempt", "rule_id", "unit_code", "co_unit_codes",
                             "dispatched_at", "signed_at", "replied_at", "reply", "outcome", "reopened")},
        "role": "lead" if lead else "co",
        "contact": json.loads(t["contact"]) if lead and t["contact"] else None,
        "deadline": dict(deadline) if deadline and deadline["unit_code"] == t["unit_code"] else None,
        "co_handler_replies": [dict(r) for r in co_replies],
    }


class SignBody(BaseModel):
    action_id: ActionId


class ReturnBody(BaseModel):
    action_id: ActionId
    reason: LongText = Field(description="Why this unit is not in charge", pattern=NO_NUL)


class ExtensionBody(BaseModel):
    action_id: ActionId
    working_days: int = Field(ge=1, le=60)
    reason: LongText = Field(pattern=NO_NUL)


class ReplyBody(BaseModel):
    action_id: ActionId
    reply: LongText = Field(description="The answer to the petitioner (at most 4000 characters)", pattern=NO_NUL)
    outcome: Literal["solved", "explained"] = Field(
        "solved", description="solved, or explained (cannot be solved for objective reasons); "
                              "ignored for a co-handling unit's reply")


async def _perform(ctx: ServiceContext, principal: Principal, unit_code: str, appeal_id: UUID,
                   kind: type[UnitAction], body: BaseModel) -> dict:
    """The unit's action as the same command a unit sends over Kafka (its body's fields are the
    command's), applied once per action_id."""
    _scope(principal, unit_code, hide=True)
    command = kind(appeal_id=appeal_id, unit_code=unit_code, **body.model_dump())
    outcome: Outcome = await in_unit_of_work(ctx, lambda uow: act(uow, command, ctx.clock.now()))
    return {"appeal_id": command.appeal_id, "action": outcome.action, "state": outcome.state,
            "replayed": outcome.replayed, "escalation": outcome.escalation}


UnitPrincipal = Annotated[Principal, Depends(require("unit"))]


@router.post("/appeals/{appeal_id}/sign")
async def sign(unit_code: UnitCode, appeal_id: UUID, body: SignBody, ctx: Context, principal: UnitPrincipal) -> dict:
    """Sign for the transfer letter: the unit's working days start from today."""
    return await _perform(ctx, principal, unit_code, appeal_id, SignAppeal, body)


@router.post("/appeals/{appeal_id}/return")
async def return_letter(unit_code: UnitCode, appeal_id: UUID, body: ReturnBody, ctx: Context,
                        principal: UnitPrincipal) -> dict:
    """Return a letter that is not this unit's responsibility (before signing); the platform reviews it."""
    return await _perform(ctx, principal, unit_code, appeal_id, ReturnAppeal, body)


@router.post("/appeals/{appeal_id}/extension")
async def request_extension(unit_code: UnitCode, appeal_id: UUID, body: ExtensionBody, ctx: Context,
                            principal: UnitPrincipal) -> dict:
    """Ask for more working days (signed appeals only; one request waiting at a time)."""
    return await _perform(ctx, principal, unit_code, appeal_id, RequestExtension, body)


@router.post("/appeals/{appeal_id}/reply")
async def reply(unit_code: UnitCode, appeal_id: UUID, body: ReplyBody, ctx: Context,
                principal: UnitPrincipal) -> dict:
    """The lead unit's reply completes the appeal; a co-handling unit's reply goes to the lead unit."""
    return await _perform(ctx, principal, unit_code, appeal_id, ReplyToAppeal, body)
