"""What the routing routes share: one transaction per use case, paging."""

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Query
from pydantic import BaseModel

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


async def in_unit_of_work(ctx: ServiceContext, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run a use case in one transaction; a refusal (shared/refusals.py) rolls it back, and
    shared/http.py answers it as a 4xx."""
    async with ctx.units_of_work() as uow:
        return await use_case(uow)
