"""The knowledge base (operators and admins) and the word on an answer offered at intake."""

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.intake import classifier
from services.intake.adapters import knowledge_store
from services.intake.domain.knowledge import Entry, check_entry
from services.intake.handlers import answers
from shared.auth import Principal, require
from shared.db import connection
from shared.refusals import not_found
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/v1", tags=["knowledge"])
Keeper = Annotated[Principal, Depends(require("operator", "admin"))]
Operator = Annotated[Principal, Depends(require("operator"))]
Text = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


class EntryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]] = Field(
        min_length=1, max_length=20, description="Ways citizens ask it; the best-matching variant counts")
    answer: Text
    label: str = Field(max_length=100, description="A consultation label of the taxonomy",
                       examples=["public_service_request/consultation/housing_fund"])
    unit_code: str = Field(max_length=32, description="The unit that owns the answer", examples=["HOUSING-FUND"])
    valid_from: date
    valid_to: date | None = None


class EntryView(EntryBody):
    entry_id: UUID
    version: int


def _view(entry: Entry) -> EntryView:
    return EntryView(entry_id=entry.entry_id, version=entry.version, questions=list(entry.questions),
                     answer=entry.answer, label=entry.label, unit_code=entry.unit_code,
                     valid_from=entry.valid_from, valid_to=entry.valid_to)


@router.get("/knowledge", response_model=list[EntryView])
async def list_entries(_: Keeper, ctx: Context) -> list[EntryView]:
    """The entries in force (newest version of each, retired ones left out)."""
    async with connection(ctx.pool) as conn:
        return [_view(entry) for entry, _ in await knowledge_store.entries_in_force(conn)]


async def _save(ctx: ServiceContext, who: Principal, entry_id: UUID, body: EntryBody | None,
                *, retire: bool = False) -> EntryView:
    taxonomy = classifier.current(ctx)
    labels = taxonomy.taxonomy.labels if taxonomy else frozenset()
    async with ctx.units_of_work() as uow:
        before = await knowledge_store.newest(uow.conn, entry_id, lock=True)
        if body is None:
            if before is None or before["retired"]:
                raise not_found("no such entry")
            entry = knowledge_store.entry_of(before)
            entry = Entry(entry.entry_id, before["version"] + 1, entry.questions, entry.answer, entry.label,
                          entry.unit_code, entry.valid_from, entry.valid_to)
        else:
            version = 1 if before is None else before["version"] + 1
            entry = check_entry(Entry(entry_id, version, tuple(body.questions), body.answer, body.label,
                                      body.unit_code, body.valid_from, body.valid_to), labels)  # or 422
        await knowledge_store.store(uow.conn, entry, retired=retire, by=who.subject, at=ctx.clock.now())
    async with connection(ctx.pool) as conn:
        await classifier.reload_knowledge(ctx, conn)  # this replica at once; the others at their next poll
    return _view(entry)


@router.post("/knowledge", response_model=EntryView, status_code=201,
             responses={422: {"description": "Not a consultation label of the taxonomy, a bad unit code, "
                                             "valid_to before valid_from; field and reason"}})
async def create_entry(body: EntryBody, who: Keeper, ctx: Context) -> EntryView:
    """A new entry, version 1."""
    return await _save(ctx, who, uuid4(), body)


@router.put("/knowledge/{entry_id}", response_model=EntryView)
async def update_entry(entry_id: UUID, body: EntryBody, who: Keeper, ctx: Context) -> EntryView:
    """The entry's next version (offers already made keep the version they quoted)."""
    async with connection(ctx.pool) as conn:
        if await knowledge_store.newest(conn, entry_id) is None:
            raise not_found("no such entry")
    return await _save(ctx, who, entry_id, body)


@router.delete("/knowledge/{entry_id}", response_model=EntryView)
async def retire_entry(entry_id: UUID, who: Keeper, ctx: Context) -> EntryView:
    """Retire the entry: a last version that is never offered."""
    return await _save(ctx, who, entry_id, None, retire=True)


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer_token: str = Field(min_length=1, max_length=32, pattern=r"^[^\x00]*$",
                              description="From the receipt (answer_token): the one-time proof that you submitted it",
                              examples=["7KQ2-M9XD-4HPR-T3WZ"])
    solved: bool = Field(description="The answer solved the question: the appeal closes as answered at intake")


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answered: bool = Field(description="The caller was answered: the appeal closes as answered at intake")


class Concluded(BaseModel):
    appeal_id: UUID
    status: str = Field(description="answered (closed at intake) or accepted (dispatched as any appeal)")


async def _conclude(ctx: ServiceContext, appeal_id: UUID, **kwargs) -> Concluded:
    async with ctx.units_of_work() as uow:  # a refusal: 404 / 409 (shared/http.py)
        status = await answers.conclude(uow, appeal_id, now=ctx.clock.now(), **kwargs)
    return Concluded(appeal_id=appeal_id, status=status)


@router.post("/appeals/{appeal_id}/answer-feedback", response_model=Concluded,
             responses={404: {"description": "No such appeal, or the answer token does not match"},
                        409: {"description": "No answer is waiting, or a phone appeal (the operator confirms)"}})
async def answer_feedback(appeal_id: UUID, body: Feedback, ctx: Context) -> Concluded:
    """Web and app: the petitioner says whether the answer shown at submission solved the question,
    with the receipt's one-time `answer_token` as the proof (the appeal id and the tracking number
    are none: tracking numbers are public once an appeal is published)."""
    return await _conclude(ctx, appeal_id, solved=body.solved, by="petitioner", answer_token=body.answer_token,
                           pepper=ctx.settings.pepper())


@router.post("/appeals/{appeal_id}/answer-confirmation", response_model=Concluded,
             responses={409: {"description": "No answer is waiting, or a web/app appeal (the petitioner answers)"}})
async def answer_confirmation(appeal_id: UUID, body: Confirmation, operator: Operator, ctx: Context) -> Concluded:
    """Phone: the operator confirms the caller was answered (or not: the appeal is dispatched)."""
    return await _conclude(ctx, appeal_id, solved=body.answered, by=operator.subject, by_operator=True)
