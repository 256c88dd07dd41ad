"""HTTP entrance for the website, the app and the operator console."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from pydantic import BaseModel

from services.intake.handlers import ConcurrentSubmission, accept_submission
from shared.consumer import Rejected
from shared.contracts.events import SubmitAppeal
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/v1", tags=["appeals"])


class AppealReceipt(BaseModel):
    appeal_id: str
    tracking_number: str
    status: str
    reason: str | None = None
    refer_to: str | None = None


@router.post("/appeals", response_model=AppealReceipt, status_code=201,
             responses={200: {"description": "Replay of an earlier submission: the same appeal"},
                        422: {"description": "A field is missing or wrong; the body says which and why"}})
async def submit_appeal(
    submission: SubmitAppeal,
    response: Response,
    ctx: Annotated[ServiceContext, Depends(context_of)],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> AppealReceipt:
    """Accept an appeal; resubmitting the same channel message returns the same appeal."""
    if idempotency_key is not None and idempotency_key != submission.channel_message_id:
        raise HTTPException(422, detail={"errors": [{"field": "Idempotency-Key",
                                                     "reason": "must equal channel_message_id"}]})
    for attempt in range(2):
        try:
            async with ctx.units_of_work() as uow:
                outcome = await accept_submission(uow, submission)
            break
        except ConcurrentSubmission:
            if attempt:
                raise
        except Rejected as wrong:
            raise HTTPException(422, detail={"errors": [{"field": "category", "reason": str(wrong)}]})
    if outcome.replayed:
        response.status_code = 200
    elif outcome.status == "pending_review":
        response.status_code = 202
    return AppealReceipt(appeal_id=str(outcome.appeal_id), tracking_number=outcome.tracking_number,
                         status=outcome.status, reason=outcome.reason, refer_to=outcome.refer_to)
