"""HTTP entrance for the website, the app and the operator console."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from services.intake.classifier import current, knowledge
from services.intake.handlers import ConcurrentSubmission, InvalidSubmission, Outcome, accept_submission
from shared.contracts.events import SubmitAppeal
from shared.runtime import ServiceContext, context_of

router = APIRouter(prefix="/v1", tags=["appeals"])


class AppealReceipt(BaseModel):
    appeal_id: str
    tracking_number: str
    status: str = Field(description="accepted, rejected, merged, pending_review or answer_offered")
    reason: str | None = None
    refer_to: str | None = Field(None, description="Number to call instead (emergencies)")
    into_tracking_number: str | None = Field(None, description="merged: the appeal that handles the problem")
    inquiry_code: str | None = Field(
        None, description="Private appeals, first response only: keep it, it is never shown again")
    answer: str | None = Field(
        None, description="answer_offered: the knowledge base's answer; say whether it solved the question with "
        "POST /v1/appeals/{appeal_id}/answer-feedback (web, app) or answer-confirmation (operator, phone)")


def invalid(field: str, reason: str) -> RequestValidationError:
    """A 422 in the platform's one format ({detail, errors: [{field, reason}]}, shared/http.py)."""
    return RequestValidationError([{"loc": tuple(field.split(".")), "msg": reason, "type": "value_error"}])


@router.post("/appeals", response_model=AppealReceipt, response_model_exclude_none=True, status_code=201,
             responses={200: {"description": "Replay of an earlier submission: the same appeal"},
                        202: {"description": "Held for an operator's review, or an answer offered (answer_offered)"},
                        422: {"description": "A field is missing or wrong; the body says which and why"}})
async def submit_appeal(
    submission: SubmitAppeal,
    response: Response,
    ctx: Annotated[ServiceContext, Depends(context_of)],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> AppealReceipt:
    """Accept an appeal; resubmitting the same channel message returns the same appeal."""
    if idempotency_key is not None and idempotency_key != submission.channel_message_id:
        raise invalid("Idempotency-Key", "must equal channel_message_id")
    outcome = await _decide(ctx, submission)
    if outcome.replayed:
        response.status_code = 200
    elif outcome.status in ("pending_review", "answer_offered"):
        response.status_code = 202
    if outcome.inquiry_code:
        response.headers["Cache-Control"] = "no-store"  # a secret: no proxy or browser keeps it
    return AppealReceipt(appeal_id=str(outcome.appeal_id), tracking_number=outcome.tracking_number,
                         status=outcome.status, reason=outcome.reason, refer_to=outcome.refer_to,
                         into_tracking_number=outcome.into_tracking_number, inquiry_code=outcome.inquiry_code,
                         answer=outcome.answer)


async def _decide(ctx: ServiceContext, submission: SubmitAppeal) -> Outcome:
    for attempt in range(2):
        try:
            async with ctx.units_of_work() as uow:
                return await accept_submission(uow, submission, now=ctx.clock.now(),
                                               pepper=ctx.settings.pepper(), answers_caller=True,
                                               classifier=current(ctx), knowledge=knowledge(ctx))
        except ConcurrentSubmission:
            if attempt:
                raise
        except InvalidSubmission as wrong:
            raise invalid(wrong.field, wrong.reason) from None
    raise AssertionError("unreachable")
