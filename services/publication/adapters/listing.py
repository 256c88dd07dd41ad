"""SQL for lists of disclosed appeals (public API, web page, Open311), newest first."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.publication.adapters.repository import public_row
from services.publication.domain.row import PublicRow


@dataclass(frozen=True)
class Filters:
    appeal_type: str | None = None
    category: str | None = None
    district: str | None = None
    statuses: tuple[str, ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    service_pairs: tuple[tuple[str, str], ...] = ()  # (appeal_type, category), for Open311 codes
    accepted_from: datetime | None = None
    accepted_until: datetime | None = None


# Each clause with the filter value it needs; None values leave their clause out.
_CLAUSES = (
    ("appeal_type", "appeal_type = ${}"),
    ("category", "category = ${}"),
    ("district", "district = ${}"),
    ("statuses", "status = ANY(${}::text[])"),
    ("tracking_numbers", "tracking_number = ANY(${}::text[])"),
    ("accepted_from", "accepted_at >= ${}"),
    ("accepted_until", "accepted_at <= ${}"),
)
_SELECT = "SELECT * FROM public_appeals WHERE private = false AND tracking_number IS NOT NULL"
_PAIRS = "(appeal_type, category) IN (SELECT * FROM unnest(${}::text[], ${}::text[]))"


async def list_disclosed(conn: asyncpg.Connection | asyncpg.Pool, filters: Filters, *, limit: int,
                         offset: int = 0) -> list[PublicRow]:
    sql, args = _SELECT, []
    for field, clause in _CLAUSES:
        value = getattr(filters, field)
        if value not in (None, ()):
            args.append(list(value) if isinstance(value, tuple) else value)
            sql += " AND " + clause.format(len(args))
    if filters.service_pairs:
        args += [[t for t, _ in filters.service_pairs], [c for _, c in filters.service_pairs]]
        sql += " AND " + _PAIRS.format(len(args) - 1, len(args))
    args += [limit, offset]
    sql += f" ORDER BY accepted_at DESC, tracking_number LIMIT ${len(args) - 1} OFFSET ${len(args)}"
    return [public_row(r) for r in await conn.fetch(sql, *args)]
