"""Weights versions and period closings: reading is open, changing needs the admin role."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.assessment.adapters import closings, weights as weights_sql
from services.assessment.api.selection import PERIOD
from services.assessment.closing import close_period
from services.assessment.domain.scoring import problems
from shared.auth import Principal, require
from shared.runtime import Context

router = APIRouter(prefix="/v1", tags=["assessment admin"])


class NewWeights(BaseModel):
    # Any JSON is taken here so that every problem is reported by the domain rule, by field.
    weights: dict[str, Any] = Field(description="Rate weights summing to 100: response, on_time, resolution, satisfaction")
    deductions: dict[str, Any] = Field(default_factory=dict, description=(
        "Points (of 100) taken when every decided letter has the finding: escalation_level_2, escalation_level_3, "
        "supervision_order, reopened, return_call, co_handling_missed; at most 100 in all"))
    basis: Any = Field("rate", description="Only 'rate': every deduction is a share of decided letters")
    note: str = Field("", max_length=500)


@router.get("/weights", summary="The weights version in force and every earlier one")
async def list_weights(ctx: Context) -> dict:
    versions = await weights_sql.history(ctx.pool)
    for v in versions:
        v["created_at"] = v["created_at"].isoformat()
    return {"current": versions[-1]["version"], "versions": versions}


@router.post("/weights", status_code=201, summary="Add a weights version (applies to months closed from now on)")
async def add_weights(
    body: NewWeights,
    ctx: Context,
    principal: Annotated[Principal, Depends(require("admin"))],
):
    found = problems(body.weights, body.deductions, body.basis)
    if found:
        current = await weights_sql.current(ctx.pool)
        return JSONResponse(status_code=422, content={
            "detail": f"weights refused; version {current.version} stays in force",
            "errors": [{"field": field, "reason": reason} for field, reason in found]})
    version = await weights_sql.add(ctx.pool, body.weights, body.deductions, body.note, principal.subject)
    return {"version": version, "weights": body.weights, "deductions": body.deductions}


@router.post("/periods/{period}/close", status_code=201,
             summary="Close a month: publish UnitScoresPublished to hotline.assessment.v1",
             responses={409: {"description": "The month has not ended yet, or it is closed already"}})
async def close(
    period: Annotated[str, Path(pattern=PERIOD, description="YYYY-MM")],
    ctx: Context,
    principal: Annotated[Principal, Depends(require("admin"))],
) -> dict:
    return await close_period(ctx, period, principal.subject)


@router.get("/periods", summary="Closed months and their publications, the first and any corrections")
async def periods(ctx: Context) -> dict:
    found = []
    for c in await closings.closings(ctx.pool):
        pubs = await closings.publications(ctx.pool, c["period"])
        found.append({
            "period": c["period"], "weights_version": c["weights_version"], "closed_by": c["closed_by"],
            "closed_at": c["closed_at"].isoformat(), "publication_id": str(c["publication_id"]),
            "publications": [{"publication_id": str(p["publication_id"]),
                              "correction_of": str(p["correction_of"]) if p["correction_of"] else None,
                              "weights_version": p["weights_version"],
                              "published_at": p["published_at"].isoformat()} for p in pubs],
        })
    return {"periods": found}
