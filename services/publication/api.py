"""The public HTTP API: look up a disclosed appeal by its tracking number."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel

from services.publication.adapters import repository
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/v1/public", tags=["public"])


class PublicAppeal(BaseModel):
    tracking_number: str
    appeal_type: str
    category: str
    district: str
    status: str
    unit_name: str | None
    expected_at: datetime | None
    updated_at: datetime


@router.get("/appeals/{tracking_number}", response_model=PublicAppeal,
            responses={404: {"description": "No disclosed appeal has this number"}})
async def get_public_appeal(
    tracking_number: Annotated[str, Path(pattern=r"^SY\d{8}[0-9A-Z]{8}$")],
    ctx: Annotated[ServiceContext, Depends(context_of)],
) -> PublicAppeal:
    row = await repository.get(ctx.pool, tracking_number)
    if row is None:
        raise HTTPException(404, detail="no disclosed appeal has this tracking number")
    return PublicAppeal(**row)
