"""Assessment's HTTP API: per-unit figures of a period."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.assessment.adapters import repository
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/v1", tags=["scores"])


class UnitFigures(BaseModel):
    unit_code: str
    received: int


class PeriodFigures(BaseModel):
    period: str
    units: list[UnitFigures]


@router.get("/scores", response_model=PeriodFigures)
async def scores(
    period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    ctx: Annotated[ServiceContext, Depends(context_of)],
) -> PeriodFigures:
    rows = await repository.counts(ctx.pool, period)
    return PeriodFigures(period=period, units=[UnitFigures(**r) for r in rows])
