"""The classifier's taxonomy and models: read by operators, edited and retrained by admins."""

import asyncio
import json
import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.intake import classifier
from services.intake.adapters import classifier_store
from services.intake.domain.taxonomy import parse_taxonomy
from shared.auth import Principal, require
from shared.db import connection
from shared.refusals import conflict
from shared.runtime import Context, ServiceContext

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["classifier"])
TRAINING = "classifier_training"  # ctx.state key of a training started through the API
Reader = Annotated[Principal, Depends(require("operator", "admin"))]
Admin = Annotated[Principal, Depends(require("admin"))]


class TaxonomyLabel(BaseModel):
    label: str = Field(description="type/subtype/category, subtype '-' outside public-service requests",
                       examples=["consumer_complaint/-/heating"])
    name_zh: str
    name_en: str
    keywords: list[str] = Field([], description="The transparent fallback when no model is loaded")


class TaxonomyOverride(BaseModel):
    keywords: list[str]
    appeal_type: str
    yields_to: list[str] = []


class TaxonomyEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1, max_length=64, description="A new version name, never used before")
    labels: list[TaxonomyLabel]
    overrides: list[TaxonomyOverride] = []
    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")


class TaxonomyView(BaseModel):
    source: str = Field(description="database (an admin's edit) or shipped (data/taxonomy.json)")
    version: str
    labels: list[TaxonomyLabel]
    overrides: list[TaxonomyOverride]


@router.get("/taxonomy", response_model=TaxonomyView)
async def get_taxonomy(_: Reader, ctx: Context) -> TaxonomyView:
    """The taxonomy intake classifies into now."""
    async with connection(ctx.pool) as conn:
        loaded = await classifier.load(conn)
    return TaxonomyView(source=loaded.taxonomy_source, **loaded.classifier.taxonomy.as_document())


@router.put("/taxonomy", response_model=TaxonomyView, status_code=201,
            responses={409: {"description": "The version name is taken"},
                       422: {"description": "The taxonomy would break classification or dispatch; field and reason"}})
async def put_taxonomy(body: TaxonomyEdit, admin: Admin, ctx: Context) -> TaxonomyView:
    """A new taxonomy version. Refused (422) when a label's category is not in the vocabulary
    contract (routing has no unit for it), a label repeats, a type has no label, or an override
    names an unknown label."""
    document = body.model_dump(exclude={"reason"})
    taxonomy = parse_taxonomy(document)  # or 422 with the field and the reason
    async with connection(ctx.pool) as conn:
        stored = await classifier_store.store_taxonomy(conn, taxonomy.as_document(), by=admin.subject,
                                                       reason=body.reason, at=ctx.clock.now())
        if not stored:
            raise conflict(f"taxonomy version {taxonomy.version} exists; name a new one")
        loaded = await classifier.load(conn)
    classifier.install(ctx, loaded)  # this replica at once; the others at their next poll
    return TaxonomyView(source=loaded.taxonomy_source, **loaded.classifier.taxonomy.as_document())


class ModelView(BaseModel):
    version: str
    trained_at: datetime
    examples: int
    from_reviews: int
    threshold: float
    figures: dict


class ClassifierView(BaseModel):
    running: dict = Field(description="What this replica classifies with (as in /readyz details)")
    models: list[ModelView] = Field(description="Stored models, newest first")
    review_examples: int = Field(description="Operators' decisions stored as training examples")


@router.get("/classifier", response_model=ClassifierView)
async def get_classifier(_: Reader, ctx: Context) -> ClassifierView:
    """The running model, the stored ones with their held-out figures, the examples from reviews."""
    async with connection(ctx.pool) as conn:
        rows = await classifier_store.models(conn)
        examples = await classifier_store.count_examples(conn)
    models = [ModelView(**{**dict(r), "figures": json.loads(r["figures"]) if isinstance(r["figures"], str)
                           else r["figures"]}) for r in rows]
    return ClassifierView(running=classifier.readiness_details(ctx).get("classifier", {}), models=models,
                          review_examples=examples)


class TrainingStarted(BaseModel):
    started_at: datetime
    detail: str


@router.post("/classifier/training", response_model=TrainingStarted, status_code=202,
             responses={409: {"description": "A training started here is still running"}})
async def train_now(_: Admin, ctx: Context) -> TrainingStarted:
    """Retrain in the background on the corpus and every operator decision (seconds); this replica
    switches to the new model when it is stored, the others at their next poll (GET /v1/classifier)."""
    running: asyncio.Task | None = ctx.state.get(TRAINING)
    if running is not None and not running.done():
        raise conflict("a training is already running; GET /v1/classifier shows the models")
    started = ctx.clock.now()
    ctx.state[TRAINING] = asyncio.create_task(_train_and_install(ctx, started), name="intake-classifier-training")
    return TrainingStarted(started_at=started, detail="training started; the new model appears in GET /v1/classifier")


async def _train_and_install(ctx: ServiceContext, now: datetime) -> None:
    try:
        model, reviewed = await classifier.train(ctx.pool, now)
        async with connection(ctx.pool) as conn:
            classifier.install(ctx, await classifier.load(conn))
        log.info("intake classifier: trained %s on request (%d from operators)", model.version, reviewed)
    except Exception:
        log.exception("intake classifier: training on request failed")
