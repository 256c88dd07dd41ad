"""The call-taker's lookup: a caller's earlier and open appeals by phone number (operators only).

What a call-taker needs on screen while the caller is on the line: tracking numbers, type,
whether each is still open, and a short summary. Not the petitioner's other personal data.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.intake.domain.validators import InvalidField, canonical_phone
from shared.auth import Principal, require
from shared.contracts.identifiers import TRACKING_NUMBER_PATTERN
from shared.refusals import not_found
from shared.runtime import Context

router = APIRouter(prefix="/v1", tags=["operators"])
SUMMARY = 60  # characters of the description: enough to recognise the problem


@router.get("/callers/appeals")
async def caller_appeals(
    phone: Annotated[str, Query(min_length=3, max_length=32)],
    _: Annotated[Principal, Depends(require("operator"))],
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict:
    """The caller's accepted and held appeals, newest first; `open` until routing reports a reply or a close."""
    try:
        number = canonical_phone(phone, "phone")
    except InvalidField:
        return {"items": []}  # a number that can never have filed anything
    async with ctx.pool.acquire() as conn:
        rows = await conn.fetch(
            # accepted ones by appeals_same_petitioner; held ones (few) by appeals_pending_review
            """SELECT * FROM (
                 SELECT tracking_number, status, appeal_type, category, district, handling, received_at,
                        left(description, $3) AS summary
                   FROM appeals WHERE petitioner_phone = $1 AND status = 'accepted'
                 UNION ALL
                 SELECT tracking_number, status, appeal_type, category, district, handling, received_at,
                        left(description, $3) AS summary
                   FROM appeals WHERE petitioner_phone = $1 AND status = 'pending_review') a
                ORDER BY received_at DESC LIMIT $2""", number, limit, SUMMARY)
    return {"items": [{**dict(r), "open": r["handling"] == "open"} for r in rows]}


@router.get("/appeals/by-number/{tracking_number}")
async def appeal_by_number(
    tracking_number: Annotated[str, Path(pattern=TRACKING_NUMBER_PATTERN)],
    _: Annotated[Principal, Depends(require("operator", "supervisor"))],
    ctx: Context,
) -> dict:
    """The appeal id behind a tracking number a caller or a supervisor reads out (no personal data)."""
    async with ctx.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT appeal_id, tracking_number, status, handling, merged_into FROM appeals "
                                  "WHERE tracking_number = $1", tracking_number)
    if row is None:
        raise not_found("no appeal with this tracking number")
    return dict(row)
