"""HTTP entrance for the channels: phone, business line and app adapters with a channel token;
the website anonymously, with rate limits and a phone confirmation (api/web_entrance.py)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

from services.intake.api.web_entrance import (
    RefusedConfirmation,
    TooMany,
    check_limits,
    client_of,
    confirm_phone,
    too_many_response,
)
from services.intake.classifier import current, knowledge
from services.intake.domain.validators import canonical_phone
from services.intake.handlers import ConcurrentSubmission, Outcome, accept_submission
from shared.auth import Principal, optional_principal
from shared.contracts.events import SubmitAppeal
from shared.contracts.vocabulary import Channel
from shared.refusals import forbidden, invalid
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/v1", tags=["appeals"])


class ReceiptClassification(BaseModel):
    appeal_type: str
    subtype: str | None = None
    category: str
    method: str | None = Field(None, description="stated, keywords, business_line, operator or model")
    terms: list[str] = Field([], description="The terms that weighed most (model) or the keywords found")
    confidence: float | None = None
    model_version: str | None = None


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
    classification: ReceiptClassification | None = Field(
        None, description="accepted, merged, answer_offered: what it was classified as, and why")
    answer_token: str | None = Field(
        None, description="answer_offered, first response only: the one-time proof for answer-feedback; "
        "keep it with the answer, it is never shown again")


@router.post("/appeals", response_model=AppealReceipt, response_model_exclude_none=True, status_code=201,
             responses={200: {"description": "Replay of an earlier submission: the same appeal"},
                        202: {"description": "Held for an operator's review, or an answer offered (answer_offered)"},
                        401: {"description": "No channel token (phone, business line, app), an invalid one, "
                                             "or a web appeal without a phone confirmation"},
                        403: {"description": "The token may not submit for this channel, or the phone "
                                             "confirmation failed"},
                        422: {"description": "A field is missing or wrong; the body says which and why"},
                        429: {"description": "Anonymous (web) only: too many from this client or phone; "
                                             "see Retry-After"}})
async def submit_appeal(
    submission: SubmitAppeal,
    request: Request,
    response: Response,
    ctx: Context,
    principal: Annotated[Principal | None, Depends(optional_principal())],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
    x_confirmation_id: Annotated[str | None, Header(max_length=64)] = None,
    x_confirmation_code: Annotated[str | None, Header(max_length=16)] = None,
):
    """Accept an appeal; resubmitting the same channel message returns the same appeal.

    Phone, business line and app need a bearer token with role `channel` whose `channels`
    claim names the submission's channel; the centre's call-takers (role `operator`) file the
    phone lines' calls themselves. The website (`web`) is the anonymous entrance: limited
    per client address and per phone, and accepted only with a phone confirmation
    (`POST /v1/web/phone-confirmations`, then `X-Confirmation-Id` and `X-Confirmation-Code`).
    """
    if idempotency_key is not None and idempotency_key != submission.channel_message_id:
        raise invalid("Idempotency-Key", "must equal channel_message_id")
    if principal is not None:
        if not principal.may_submit_for(submission.channel.value):
            raise forbidden("this token may not submit appeals for this channel")
        outcome = await _decide(ctx, submission)
    elif submission.channel is not Channel.WEB:
        raise HTTPException(401, detail="a channel token is required for this channel",
                            headers={"WWW-Authenticate": "Bearer"})
    else:
        try:
            # Per client here; the per-phone limit is on the confirmations, one of which each
            # web appeal uses up.
            await check_limits(ctx, client=client_of(request, ctx.settings))
        except TooMany as exc:
            return too_many_response(exc)
        phone = canonical_phone(submission.petitioner.phone)  # or 422 naming the field
        outcome = await _decide(ctx, submission, confirmation=(x_confirmation_id, x_confirmation_code, phone))
    return _receipt(outcome, response)


def _receipt(outcome: Outcome, response: Response) -> AppealReceipt:
    if outcome.replayed:
        response.status_code = 200
    elif outcome.status in ("pending_review", "answer_offered"):
        response.status_code = 202
    if outcome.inquiry_code or outcome.answer_token:
        response.headers["Cache-Control"] = "no-store"  # a secret: no proxy or browser keeps it
    return AppealReceipt(appeal_id=str(outcome.appeal_id), tracking_number=outcome.tracking_number,
                         status=outcome.status, reason=outcome.reason, refer_to=outcome.refer_to,
                         into_tracking_number=outcome.into_tracking_number, inquiry_code=outcome.inquiry_code,
                         answer=outcome.answer, answer_token=outcome.answer_token,
                         classification=ReceiptClassification(**outcome.classified) if outcome.classified else None)


async def _decide(ctx: ServiceContext, submission: SubmitAppeal,
                  confirmation: tuple[str | None, str | None, str] | None = None) -> Outcome:
    """Decide in one transaction; an anonymous web appeal uses up its phone confirmation in it.
    A refusal (a wrong field, a failed confirmation) is answered by shared/http.py."""
    for attempt in range(2):
        try:
            async with ctx.units_of_work() as uow:
                if confirmation is not None:
                    confirmation_id, code, phone = confirmation
                    await confirm_phone(ctx, uow, confirmation_id, code, phone, submission.channel_message_id)
                return await accept_submission(uow, submission, now=ctx.clock.now(),
                                               pepper=ctx.settings.pepper(), answers_caller=True,
                                               classifier=current(ctx), knowledge=knowledge(ctx))
        except ConcurrentSubmission:
            if attempt:
                raise
        except RefusedConfirmation as refused:
            await refused.count(ctx)  # after the rollback, in a transaction of its own
            raise
    raise AssertionError("unreachable")
