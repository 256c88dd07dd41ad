"""Staff routes: operators record ratings taken on a return call; admins issue Open311 keys."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, StringConstraints

from services.publication.adapters import evaluations
from services.publication.adapters import open311 as store
from services.publication.api.public import Context, TrackingNumberPath, record_evaluation
from services.publication.api.schemas import (
    EvaluationRecorded,
    OperatorEvaluationRequest,
    ReturnCall,
    ReturnCallDecision,
    ReturnCallDecisionRecorded,
)
from services.publication.handlers.evaluation import Evaluator
from shared.auth import Principal, require
from shared.contracts.events import ReturnCallDecided

router = APIRouter(tags=["staff"])


@router.post("/v1/operator/appeals/{tracking_number}/evaluation", response_model=EvaluationRecorded,
             status_code=201, responses={404: {"description": "No such appeal"},
                                         409: {"description": "Not replied yet, rated already, or too late"}})
async def record_callback_rating(tracking_number: TrackingNumberPath, body: OperatorEvaluationRequest,
                                 ctx: Context, principal: Annotated[Principal, Depends(require("operator"))]):
    """A rating the petitioner gave on a return call; private appeals need no code here."""
    who = Evaluator(via=body.via, operator=principal.subject)
    return await record_evaluation(ctx, tracking_number, body.satisfaction, body.solved, body.comment, who)


@router.get("/v1/operator/return-calls", response_model=list[ReturnCall])
async def return_calls(ctx: Context, _: Annotated[Principal, Depends(require("operator", "supervisor"))],
                       limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ReturnCall]:
    """Appeals rated dissatisfied a second time, oldest first: the centre calls back and decides (差评二次回访)."""
    return [ReturnCall(**r) for r in await evaluations.pending_return_calls(ctx.pool, limit)]


@router.post("/v1/operator/return-calls/{tracking_number}/decision", response_model=ReturnCallDecisionRecorded,
             responses={404: {"description": "No return call waits for this appeal"}})
async def decide_return_call(tracking_number: TrackingNumberPath, body: ReturnCallDecision, ctx: Context,
                             principal: Annotated[Principal, Depends(require("operator", "supervisor"))]):
    """After the return call: `reopen` sends the appeal back to its unit, `close` ends it with the reason."""
    now = ctx.clock.now()
    async with ctx.units_of_work() as uow:
        decided = await evaluations.decide_return_call(uow.conn, tracking_number, body.decision, body.reason,
                                                       principal.subject, now)
        if decided is None:
            raise HTTPException(404, detail="no return call waits for this appeal")
        uow.emit(ReturnCallDecided(appeal_id=decided["appeal_id"], tracking_number=tracking_number,
                                   decision=body.decision, reason=body.reason, decided_by=principal.subject,
                                   unit_code=decided["unit_code"], decided_at=now))
    return ReturnCallDecisionRecorded(tracking_number=tracking_number, decision=body.decision,
                                      decided_by=principal.subject, decided_at=now)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                                  pattern=r"^[^\x00]*$")]  # PostgreSQL text has no NUL


class IssuedKey(BaseModel):
    key_id: str
    api_key: str


@router.post("/v1/admin/open311/keys", response_model=IssuedKey, status_code=201)
async def issue_open311_key(body: NewKey, ctx: Context,
                            _: Annotated[Principal, Depends(require("admin"))]) -> IssuedKey:
    """A new Open311 api_key for a civic app; shown once, stored only as a keyed hash."""
    key_id, api_key = await store.add_key(ctx.pool, body.client_name, ctx.settings.pepper(), ctx.clock.now())
    return IssuedKey(key_id=key_id, api_key=api_key)
