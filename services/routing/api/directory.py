"""The unit directory and dispatch catalogue: read by anyone signed in, edited by operators.

Every edit is a new version and a UnitDirectoryChanged event; it applies to dispatches
decided after it, never to letters already sent.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.routing.adapters import directory_store as store
from services.routing.domain.dispatch import FALLBACK_RULE, NoResponsibleUnit, Rule, Unit, decide
from services.routing.handlers import directory as edits
from services.routing.api.common import in_unit_of_work
from shared.db import connection
from shared.auth import ROLES, Principal, require
from shared.contracts.events import ShortText, UnitCode
from shared.contracts.vocabulary import AppealType
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/v1/directory", tags=["directory"])
Editor = Annotated[Principal, Depends(require("operator", "admin"))]
Reader = Annotated[Principal, Depends(require(*ROLES))]
Reason = Annotated[str, Query(min_length=1, max_length=200, description="Why: kept with the version")]


@router.get("")
async def read_directory(ctx: Context, _: Reader) -> dict:
    """The current version: units and the catalogue's rules in the order they are tried."""
    async with connection(ctx.pool) as conn:
        version, directory, positions = await store.read(conn)
    return {"version": version,
            "units": [store.unit_document(u) for u in directory.units.values()],
            "rules": [store.rule_document(r, positions[r.id]) for r in directory.rules]}


@router.get("/explain")
async def explain(ctx: Context, _: Reader, appeal_type: AppealType, category: str, district: str,
                  text: Annotated[str, Query(max_length=4000)] = "") -> dict:
    """Which rule would dispatch such an appeal now, and to whom (nothing is dispatched)."""
    async with connection(ctx.pool) as conn:
        version, directory, _positions = await store.read(conn)
    try:
        d = decide(directory, appeal_type.value, category, district, text)
    except NoResponsibleUnit as none:
        return {"version": version, "lead": None, "co": [], "rule_id": None, "reason": str(none)}
    rule = next((r for r in directory.rules if r.id == d.rule_id), None)
    return {"version": version, "lead": d.lead.code, "lead_name": d.lead.name_zh, "co": [u.code for u in d.co],
            "rule_id": d.rule_id, "fallback": d.rule_id == FALLBACK_RULE,
            "rule": store.rule_document(rule) if rule else None}


class UnitBody(BaseModel):
    name_zh: ShortText
    name_en: ShortText
    level: int = Field(2, description="1: the platform; 2: a unit it dispatches to")
    group: str = Field(description="platform, municipal_department, district_government, enterprise, stationed_unit")
    district: str | None = Field(None, description="The district a district government governs")
    categories: tuple[str, ...] = Field((), description="Categories it answers for (empty: all)")
    districts: tuple[str, ...] = Field((), description="Districts it answers for (empty: the whole city)")
    reason: ShortText


class RuleBody(BaseModel):
    appeal_type: str | None = None
    categories: tuple[str, ...] = ()
    district: str | None = None
    keywords: tuple[Annotated[str, Field(min_length=1, max_length=50)], ...] = ()
    lead: UnitCode
    co: tuple[UnitCode, ...] = ()
    position: int | None = Field(None, ge=0, description="Order among equally specific rules (default: keep / last)")
    reason: ShortText


async def _edit(ctx: ServiceContext, who: Principal, reason: str, edit: Callable[..., Awaitable[int]],
                *args: object) -> int:
    """One edit of the directory in its own unit of work, recorded with who made it, why and when;
    the directory's new version."""
    return await in_unit_of_work(ctx, lambda uow: edit(uow, *args, by=who.subject, reason=reason,
                                                       now=ctx.clock.now()))


@router.put("/units/{code}")
async def put_unit(code: UnitCode, body: UnitBody, ctx: Context, who: Editor) -> dict:
    unit = Unit(code, body.name_zh, body.name_en, body.level, body.group, body.district, body.categories,
                body.districts)
    version = await _edit(ctx, who, body.reason, edits.put_unit, unit)
    return {"version": version, "unit": store.unit_document(unit)}


@router.delete("/units/{code}")
async def remove_unit(code: UnitCode, reason: Reason, ctx: Context, who: Editor) -> dict:
    version = await _edit(ctx, who, reason, edits.remove_unit, code)
    return {"version": version, "removed": code}


@router.put("/rules/{rule_id}")
async def put_rule(rule_id: Annotated[str, Field(max_length=64)], body: RuleBody, ctx: Context, who: Editor) -> dict:
    rule = Rule(rule_id, body.lead, body.appeal_type, frozenset(body.categories), body.district,
                tuple(body.keywords), tuple(body.co))
    version = await _edit(ctx, who, body.reason, edits.put_rule, rule, body.position)
    return {"version": version, "rule": store.rule_document(rule)}


@router.delete("/rules/{rule_id}")
async def remove_rule(rule_id: str, reason: Reason, ctx: Context, who: Editor) -> dict:
    version = await _edit(ctx, who, reason, edits.remove_rule, rule_id)
    return {"version": version, "removed": rule_id}
