"""Operators' review queue: list held appeals, correct, accept or refuse (role operator)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from services.intake.adapters import review_queue
from services.intake.handlers import review
from shared.auth import Principal, require
from shared.contracts.vocabulary import AppealType, RequestSubtype
from shared.db import connection
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/v1", tags=["review"])
Operator = Annotated[Principal, Depends(require("operator"))]
# PostgreSQL text cannot hold NUL: refused here (422), not by the database (500)
NO_NUL = r"^[^\x00]*$"
Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL, description="Why: kept with the decision")]


class HeldAppeal(BaseModel):
    appeal_id: UUID
    tracking_number: str
    channel: str
    appeal_type: str | None
    subtype: str | None
    category: str | None
    district: str | None
    description: str
    private: bool
    reason: str | None = Field(description="Why the rules held it")
    received_at: datetime


class ReviewQueuePage(BaseModel):
    items: list[HeldAppeal]
    next_after: UUID | None = Field(description="Pass as `after` for the next page; null at the end")


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    appeal_type: AppealType | None = None
    subtype: RequestSubtype | None = None
    category: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)] | None = None
    district: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)] | None = None
    reason: Reason


class Refusal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class Decided(BaseModel):
    appeal_id: UUID
    status: str
    appeal_type: str | None = None
    subtype: str | None = None
    category: str | None = None
    district: str | None = None


@router.get("/review-queue", response_model=ReviewQueuePage)
async def list_review_queue(
    _: Operator, ctx: Context,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: UUID | None = None,
) -> ReviewQueuePage:
    """Held appeals, oldest first, a page at a time."""
    async with connection(ctx.pool) as conn:
        rows = await review_queue.pending(conn, limit, after)
    items = [HeldAppeal(**dict(r)) for r in rows]
    return ReviewQueuePage(items=items, next_after=items[-1].appeal_id if len(items) == limit else None)


@router.post("/appeals/{appeal_id}/corrections", response_model=Decided)
async def correct_appeal(appeal_id: UUID, body: Correction, operator: Operator, ctx: Context) -> Decided:
    """Correct type, subtype, category or district of a held or accepted appeal."""
    changes = body.model_dump(exclude={"reason"})
    return await _run(ctx, appeal_id, review.correct, by=operator.subject, reason=body.reason, **changes)


@router.post("/appeals/{appeal_id}/acceptance", response_model=Decided)
async def accept_appeal(appeal_id: UUID, body: Correction, operator: Operator, ctx: Context) -> Decided:
    """Accept a held appeal; the body may carry the last corrections of its classification."""
    changes = body.model_dump(exclude={"reason"})
    return await _run(ctx, appeal_id, review.accept, by=operator.subject, reason=body.reason, **changes)


@router.post("/appeals/{appeal_id}/refusal", response_model=Decided)
async def refuse_appeal(appeal_id: UUID, body: Refusal, operator: Operator, ctx: Context) -> Decided:
    """Refuse a held appeal; the reason is sent on as AppealRejected."""
    return await _run(ctx, appeal_id, review.refuse, by=operator.subject, reason=body.reason)


@router.get("/appeals/{appeal_id}/decisions")
async def appeal_decisions(appeal_id: UUID, _: Operator, ctx: Context) -> list[dict]:
    """Who decided what on this appeal, and why."""
    async with connection(ctx.pool) as conn:
        return [dict(r) for r in await review_queue.history(conn, appeal_id)]


async def _run(ctx: ServiceContext, appeal_id: UUID, use_case, **kwargs) -> Decided:
    async with ctx.units_of_work() as uow:  # a refusal: 404 / 409 / 422 (shared/http.py)
        result = await use_case(uow, appeal_id, now=ctx.clock.now(), **kwargs)
    status = {review.refuse: "rejected", review.accept: "accepted"}.get(use_case, "corrected")
    if result is None:
        return Decided(appeal_id=appeal_id, status=status)
    return Decided(appeal_id=appeal_id, status=status, appeal_type=getattr(result.appeal_type, "value", None),
                   subtype=getattr(result.subtype, "value", None), category=result.category,
                   district=result.district)
