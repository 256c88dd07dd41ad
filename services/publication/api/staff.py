"""Staff routes: operators record ratings taken on a return call; admins issue Open311 keys."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, StringConstraints

from services.publication.adapters import open311 as store
from services.publication.api.public import Context, TrackingNumberPath, record_evaluation
from services.publication.api.schemas import EvaluationRecorded, OperatorEvaluationRequest
from services.publication.handlers.evaluation import Evaluator
from shared.auth import Principal, require

router = APIRouter(tags=["staff"])


@router.post("/v1/operator/appeals/{tracking_number}/evaluation", response_model=EvaluationRecorded,
             status_code=201, responses={404: {"description": "No such appeal"},
                                         409: {"description": "Not replied yet, rated already, or too late"}})
async def record_callback_rating(tracking_number: TrackingNumberPath, body: OperatorEvaluationRequest,
                                 ctx: Context, principal: Annotated[Principal, Depends(require("operator"))]):
    """A rating the petitioner gave on a return call; private appeals need no code here."""
    who = Evaluator(via=body.via, operator=principal.subject)
    return await record_evaluation(ctx, tracking_number, body.satisfaction, body.solved, body.comment, who)


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
