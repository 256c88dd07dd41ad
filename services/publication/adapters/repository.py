"""SQL for the public read model: one upsert per kind of event, in any arrival order."""

from datetime import datetime
from uuid import UUID

import asyncpg

_VIEW = """
tracking_number, appeal_type, category, district, unit_name, expected_at, updated_at,
CASE WHEN dispatched_at IS NOT NULL THEN 'dispatched' ELSE 'accepted' END AS status
"""
_DISCLOSED = f"RETURNING private = false AS disclosed, {_VIEW}"

_ACCEPTED = f"""
INSERT INTO public_appeals AS p (appeal_id, tracking_number, appeal_type, category, district, private,
                                 accepted_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (appeal_id) DO UPDATE SET
    tracking_number = EXCLUDED.tracking_number, appeal_type = EXCLUDED.appeal_type,
    category = EXCLUDED.category, district = EXCLUDED.district, private = EXCLUDED.private,
    accepted_at = EXCLUDED.accepted_at, updated_at = greatest(p.updated_at, EXCLUDED.updated_at)
{_DISCLOSED}
"""
_DISPATCHED = f"""
INSERT INTO public_appeals AS p (appeal_id, unit_name, dispatched_at, updated_at)
VALUES ($1, $2, $3, $3)
ON CONFLICT (appeal_id) DO UPDATE SET
    unit_name = EXCLUDED.unit_name, dispatched_at = EXCLUDED.dispatched_at,
    updated_at = greatest(p.updated_at, EXCLUDED.updated_at)
{_DISCLOSED}
"""
_EXPECTED = f"""
INSERT INTO public_appeals AS p (appeal_id, expected_at, updated_at)
VALUES ($1, $2, $3)
ON CONFLICT (appeal_id) DO UPDATE SET
    expected_at = EXCLUDED.expected_at, updated_at = greatest(p.updated_at, EXCLUDED.updated_at)
{_DISCLOSED}
"""
_GET = f"SELECT {_VIEW} FROM public_appeals WHERE tracking_number = $1 AND private = false"


def _disclosed(row: asyncpg.Record | None) -> dict | None:
    """The public view of the row, or None while it is private or not yet known to be public."""
    if row is None or not row["disclosed"]:
        return None
    view = dict(row)
    del view["disclosed"]
    return view


async def record_accepted(conn: asyncpg.Connection, appeal_id: UUID, tracking_number: str, appeal_type: str,
                          category: str, district: str, private: bool, at: datetime) -> dict | None:
    return _disclosed(await conn.fetchrow(_ACCEPTED, appeal_id, tracking_number, appeal_type, category,
                                          district, private, at))


async def record_dispatched(conn: asyncpg.Connection, appeal_id: UUID, unit_name: str,
                            at: datetime) -> dict | None:
    return _disclosed(await conn.fetchrow(_DISPATCHED, appeal_id, unit_name, at))


async def record_expected(conn: asyncpg.Connection, appeal_id: UUID, expected_at: datetime,
                          at: datetime) -> dict | None:
    return _disclosed(await conn.fetchrow(_EXPECTED, appeal_id, expected_at, at))


async def get(conn: asyncpg.Connection | asyncpg.Pool, tracking_number: str) -> dict | None:
    row = await conn.fetchrow(_GET, tracking_number)
    return dict(row) if row else None
