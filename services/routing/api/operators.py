"""The operators' API: the dispatch queue, manual dispatch, review of returned letters."""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.routing.adapters import repository, views
from services.routing.adapters.directory_store import DirectoryCache
from services.routing.api.common import Page, Paged, PageSize, in_unit_of_work
from services.routing.domain.catalogue_fit import Fit, explain
from services.routing.domain.letters import OPERATOR_QUEUE
from services.routing.handlers.reviews import Decision, dispatch_by_hand, review_return
from shared.auth import Principal, require
from shared.contracts.events import ShortText, UnitCode
from shared.db import connection
from shared.refusals import not_found
from shared.runtime import Context

router = APIRouter(prefix="/v1", tags=["operators"])
Operator = Annotated[Principal, Depends(require("operator", "supervisor"))]


@router.get("/dispatch-queue", response_model=Paged)
async def dispatch_queue(
    ctx: Context, _: Operator, page: Page = 1, page_size: PageSize = 20,
    state: Annotated[list[Literal["awaiting_operator", "escalated", "returned"]] | None, Query()] = None,
) -> Paged:
    """Appeals waiting for a person: no rule covered them, they were returned, or they looped."""
    states: list[str] = list(state) if state else sorted(s.value for s in OPERATOR_QUEUE)
    async with connection(ctx.pool) as conn:
        rows, total = await views.queue(conn, states, page_size, (page - 1) * page_size)
    return Paged(items=[dict(r) for r in rows], page=page, page_size=page_size, total=total)


@router.get("/appeals/{appeal_id}")
async def appeal(appeal_id: UUID, ctx: Context, _: Operator) -> dict:
    """An appeal's transfer history: every letter, the rule that chose it, returns, replies."""
    async with connection(ctx.pool) as conn:
        t = await repository.get_transfer(conn, appeal_id)
        if t is None:
            raise not_found(f"no appeal {appeal_id}")
        letters = await repository.letters_of(conn, appeal_id)
        co_replies = await repository.co_replies_of(conn, appeal_id)
        extensions = await views.extensions_of(conn, appeal_id)
        deadline = await views.deadline_of(conn, appeal_id)
    return {
        **{k: t[k] for k in ("appeal_id", "tracking_number", "appeal_type", "subtype", "category", "district",
                             "state", "attempt", "unit_code", "unit_name", "co_unit_codes", "rule_id",
                             "unit_trail", "returned_by", "redispatches", "reopened", "waiting_reason",
                             "dispatched_at", "signed_at", "replied_at", "outcome", "closed_at",
                             "directory_version")},
        "letters": [dict(r) for r in letters],
        "co_handler_replies": [dict(r) for r in co_replies],
        "extension_requests": [dict(r) for r in extensions],
        "deadline": dict(deadline) if deadline else None,
    }


def _fit_document(f: Fit) -> dict:
    return {"rule_id": f.rule_id, "fallback": f.fallback, "lead": f.lead.code, "lead_name_zh": f.lead.name_zh,
            "lead_name_en": f.lead.name_en, "co": [u.code for u in f.co], "returned": f.returned,
            "matched": {"appeal_type": f.appeal_type, "category": f.category, "district": f.district,
                        "keywords": list(f.keywords)}}


@router.get("/appeals/{appeal_id}/catalogue-fit")
async def catalogue_fit(appeal_id: UUID, ctx: Context, _: Operator) -> dict:
    """Which catalogue rules fit this appeal now and why (the conditions each meets, the keywords
    found in its text), best first, marking the units that already returned it; `advised` is the
    best one whose unit has not. Nothing is dispatched."""
    async with connection(ctx.pool) as conn:
        t = await repository.get_transfer(conn, appeal_id)
        if t is None:
            raise not_found(f"no appeal {appeal_id}")
        # the dispatcher's page asks once per letter it shows: read the directory again only
        # when its version moved
        cache = ctx.state.setdefault("catalogue_fit_directory", DirectoryCache())
        version, directory = await cache.current(conn)
    advice = explain(directory, t["appeal_type"], t["category"], t["district"], t["description"] or "",
                     tuple(t["returned_by"] or ()))
    return {"appeal_id": appeal_id, "directory_version": version, "returned_by": list(t["returned_by"] or ()),
            "fits": [_fit_document(f) for f in advice.fits],
            "advised": _fit_document(advice.advised) if advice.advised else None}


class DispatchBody(BaseModel):
    unit_code: UnitCode
    co_unit_codes: tuple[UnitCode, ...] = ()
    reason: ShortText = Field(description="Why this unit: kept with the letter")


class ReviewBody(BaseModel):
    decision: Literal["redispatch", "uphold"]
    unit_code: UnitCode | None = Field(None, description="The unit to re-dispatch to (redispatch only)")
    co_unit_codes: tuple[UnitCode, ...] | None = None
    reason: ShortText


def _decided(d: Decision) -> dict:
    return {"state": d.state, "attempt": d.attempt, "unit_code": d.unit_code, "escalation": d.escalation}


@router.post("/appeals/{appeal_id}/dispatch")
async def dispatch(appeal_id: UUID, body: DispatchBody, ctx: Context, who: Operator) -> dict:
    """Dispatch a queued or escalated appeal by hand, with a reason."""
    directories = DirectoryCache()  # operators' decisions are rare: read the directory afresh
    decision = await in_unit_of_work(ctx, lambda uow: dispatch_by_hand(
        uow, directories, appeal_id=appeal_id, unit_code=body.unit_code, co_unit_codes=body.co_unit_codes,
        reason=body.reason, by=who.subject, now=ctx.clock.now()))
    return _decided(decision)


@router.post("/appeals/{appeal_id}/review")
async def review(appeal_id: UUID, body: ReviewBody, ctx: Context, who: Operator) -> dict:
    """Review a returned letter: re-dispatch to another unit or uphold the original; loops escalate."""
    directories = DirectoryCache()  # operators' decisions are rare: read the directory afresh
    decision = await in_unit_of_work(ctx, lambda uow: review_return(
        uow, directories, appeal_id=appeal_id, decision=body.decision, unit_code=body.unit_code,
        co_unit_codes=body.co_unit_codes, reason=body.reason, by=who.subject, now=ctx.clock.now()))
    return _decided(decision)
