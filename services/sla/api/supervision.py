"""Supervisors' view: overdue and supervised appeals, extension decisions, deadline explanations."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.sla.adapters import calendar_store, extensions, repository, supervision
from services.sla.adapters.rules_file import load_rules
from services.sla.domain import ladder
from services.sla.domain.deadline_row import DeadlineRow
from services.sla.domain.explanation import explain
from services.sla.handlers.extension_decision import decide_extension
from services.sla.adapters.calendar_store import CalendarCache
from shared.auth import Principal, require
from shared.db import connection
from shared.refusals import not_found
from shared.runtime import Context

router = APIRouter(prefix="/v1", tags=["supervision"])
Supervisor = Annotated[Principal, Depends(require("supervisor", "admin"))]
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=500)]


@router.get("/supervision/appeals")
async def supervised_appeals(ctx: Context, _: Supervisor,
                             kind: Literal["overdue", "supervised"] | None = None,
                             unit: Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")] = None,
                             level: Annotated[int | None, Query(ge=0, le=3)] = None,
                             page: Page = 1, page_size: PageSize = 50):
    """Open appeals that are overdue or under supervision, by unit, then level (highest first)."""
    async with connection(ctx.pool) as conn:
        total, items = await supervision.listing(conn, kind=kind, unit_code=unit, level=level,
                                                 now=ctx.clock.now(), limit=page_size,
                                                 offset=(page - 1) * page_size)
    return {"total": total, "page": page, "page_size": page_size, "items": items}


@router.get("/supervision/summary")
async def supervision_summary(ctx: Context, _: Supervisor):
    """Counts of overdue and supervised open appeals per unit and supervision level."""
    async with connection(ctx.pool) as conn:
        return {"at": ctx.clock.now(), "rows": await supervision.summary(conn, ctx.clock.now())}


@router.get("/extensions")
async def extension_requests(ctx: Context, _: Supervisor,
                             status: Literal["pending", "approved", "refused", "withdrawn"] | None = "pending",
                             unit: Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")] = None,
                             page: Page = 1, page_size: PageSize = 50):
    async with connection(ctx.pool) as conn:
        items = await extensions.listing(conn, status, unit, page_size, (page - 1) * page_size)
    return {"page": page, "page_size": page_size, "items": items}


class Decision(BaseModel):
    approved: bool
    reason: str = Field(min_length=1, max_length=500, description="Why; sent to the unit in ExtensionDecided")


@router.post("/extensions/{extension_id}/decision",
             responses={404: {"description": "No such request"}, 409: {"description": "Already decided, "
                        "or the clock for that unit is no longer running"}})
async def decide(extension_id: UUID, decision: Decision, ctx: Context,
                 principal: Annotated[Principal, Depends(require("supervisor"))]):
    """Approve (the deadline moves by the requested working days) or refuse a pending request."""
    async with ctx.units_of_work() as uow:
        return await decide_extension(uow, load_rules(), CalendarCache(), ctx.clock, extension_id=extension_id,
                                      approved=decision.approved, reason=decision.reason.strip(),
                                      decided_by=principal.subject)


@router.get("/deadlines/{appeal_id}/explanation", responses={404: {"description": "Unknown appeal"}})
async def explanation(appeal_id: UUID, ctx: Context,
                      principal: Annotated[Principal, Depends(require("supervisor", "admin", "operator", "unit"))]):
    """Which days were counted and which skipped (and why), the ladder, and what the state means."""
    rules = load_rules()
    async with connection(ctx.pool) as conn:
        row = await repository.get(conn, appeal_id)
        if row is None or not principal.may_act_for(row["unit_code"]):
            raise not_found("no deadline for this appeal")  # a unit does not learn others' appeals
        calendar = await calendar_store.load_calendar(conn)
        fired = {f["step"]: f for f in await repository.fired_steps(conn, appeal_id, row["epoch"])}
    counted = explain(calendar, row["received_at"], row["working_days"])
    planned = ladder.schedule(rules.ladder, calendar, row["due_at"], early_reminder=row["early_reminder"],
                              not_before=row["received_at"])
    now = ctx.clock.now()
    return {
        "appeal_id": appeal_id, "unit_code": row["unit_code"], "state": row["state"],
        "meaning": _meaning(row, now),
        "received_at": counted.received_at, "starts_on": counted.starts_on,
        "period_working_days": row["period_days"], "extended_working_days": row["extended_days"],
        "working_days": counted.working_days, "due_at": counted.due_at, "last_day": counted.last_day,
        "provisional": counted.provisional, "calendar_version": counted.calendar_version, "rule": counted.rule,
        "counted": counted.counted,
        "skipped": [{"date": s.day, "why": s.why} for s in counted.skipped],
        "supervision_level": row["supervision_level"], "key_supervision": row["key_supervision"],
        "ladder": [{"step": p.step.name, "kind": p.step.kind, "fire_at": p.fire_at, "reason": p.step.reason,
                    "fired_at": fired[p.step.name]["fired_at"] if p.step.name in fired else None}
                   for p in planned],
    }


def _meaning(row: DeadlineRow, now: datetime) -> str:
    if row["state"] == "stopped":
        if row["met"]:
            return "replied before the deadline: met; the clock is stopped"
        return ("replied after the deadline: stays counted as overdue (not met), but the clock is stopped "
                "and no further supervision step fires; a reopening starts a new clock")
    if row["state"] == "returned":
        returned = row["stopped_at"]  # return_letter sets it with the state
        return (f"returned by {row['unit_code']} on {returned.isoformat() if returned else '?'}: the clock is stopped and "
                "nothing more fires for that unit; a re-dispatch starts a new clock for the unit that gets the letter")
    if now >= row["due_at"]:
        return f"overdue since {row['due_at'].isoformat()}; supervision level {row['supervision_level']}"
    if row["state"] == "awaiting_signature":
        return ("waiting for the unit to sign the transfer letter; counted provisionally from the dispatch "
                "day, recounted from the signing day")
    return "running: the unit has until the due time"
