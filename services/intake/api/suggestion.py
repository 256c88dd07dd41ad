"""The call-taker's hint (operators only): what intake would decide about a text, filing nothing.

`POST /v1/classification` runs the loaded classifier, the knowledge base and the emergency words
on a description, as `POST /v1/appeals` would, and stores and emits nothing. The staff console
asks it while the call-taker types, so the label, its confidence, the terms that weighed most
and a consultation's answer are on screen before the appeal is filed.
"""

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.intake.api.appeals import invalid
from services.intake.classifier import current, knowledge
from services.intake.domain.classification import keyword_classifier
from services.intake.domain.suggestion import suggest
from shared.auth import Principal, require
from shared.contracts.events import LongText
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype
from shared.runtime import Context

router = APIRouter(prefix="/v1", tags=["operators"])
SHANGHAI = ZoneInfo("Asia/Shanghai")


class ClassificationAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: LongText
    channel: Channel = Channel.PHONE
    appeal_type: AppealType | None = Field(None, description="As the call-taker stated it, if they did")
    subtype: RequestSubtype | None = None
    category: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z_]+$")] | None = None


class KnowledgeAnswer(BaseModel):
    answer: str
    question: str = Field(description="The entry's question variant the text matched")
    score: float
    unit_code: str = Field(description="The unit that owns the answer")


class ClassificationHint(BaseModel):
    outcome: str = Field(description="classified (would be accepted with this label), review (would be held for "
                                     "a dispatcher), emergency (would be refused: refer_to)")
    label: str | None = Field(None, description="type/subtype/category; with outcome review, the model's unsure guess")
    appeal_type: str | None = None
    subtype: str | None = None
    category: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    method: str | None = Field(None, description="model, keywords, business_line, stated, or model_guess")
    confidence: float | None = None
    model_version: str | None = None
    terms: list[str] = Field([], description="The terms that weighed most for the label (model) or the keywords found")
    reason: str | None = None
    refer_to: str | None = None
    knowledge_answer: KnowledgeAnswer | None = None


@router.post("/classification", response_model=ClassificationHint,
             responses={422: {"description": "A field is missing or wrong, or the stated label cannot be"}})
async def classify_text(body: ClassificationAsk, _: Annotated[Principal, Depends(require("operator"))],
                        ctx: Context) -> ClassificationHint:
    """What intake would decide about this description now; nothing is filed, stored or sent."""
    try:
        hint = suggest(current(ctx) or keyword_classifier(), knowledge(ctx), body.description, body.channel,
                       ctx.clock.now().astimezone(SHANGHAI).date(), body.appeal_type, body.subtype, body.category)
    except ValueError as wrong:
        raise invalid("subtype" if "subtype" in str(wrong) else "category", str(wrong)) from None
    parts = hint.label.split("/") if hint.label else [None, None, None]
    answer = hint.knowledge_answer
    return ClassificationHint(
        outcome=hint.outcome, label=hint.label, appeal_type=parts[0], subtype=None if parts[1] == "-" else parts[1],
        category=parts[2], name_zh=hint.name_zh, name_en=hint.name_en, method=hint.method,
        confidence=hint.confidence, model_version=hint.model_version, terms=list(hint.terms), reason=hint.reason,
        refer_to=hint.refer_to,
        knowledge_answer=KnowledgeAnswer(answer=answer.answer, question=answer.question, score=answer.score,
                                         unit_code=answer.unit_code) if answer else None)
