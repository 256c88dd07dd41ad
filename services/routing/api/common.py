"""What the routing routes share: refusals as 4xx, paging."""

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import HTTPException, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from services.routing.handlers.errors import Refused
from shared.runtime import ServiceContext
from shared.unit_of_work import UnitOfWork

T = TypeVar("T")

# Bounded: the offset (page x size) is a 64-bit integer in PostgreSQL.
Page = Annotated[int, Query(ge=1, le=100_000, description="1-based page number")]
PageSize = Annotated[int, Query(ge=1, le=100, description="Items per page (at most 100)")]


class Paged(BaseModel):
    items: list[dict]
    page: int
    page_size: int
    total: int


def as_http(refused: Refused) -> HTTPException | RequestValidationError:
    if refused.status == 422:  # the platform's one 422 shape: {detail, errors: [{field, reason}]}
        where = ("body", *refused.field.split(".")) if refused.field else ("body",)
        return RequestValidationError([{"loc": where, "msg": refused.reason, "type": "value_error"}])
    return HTTPException(refused.status, detail=refused.reason)


async def in_unit_of_work(ctx: ServiceContext, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run a use case in one transaction; a refusal rolls it back and becomes a clear 4xx."""
    try:
        async with ctx.units_of_work() as uow:
            return await use_case(uow)
    except Refused as refused:
        raise as_http(refused) from None
