"""SQL for sla's deadlines table."""

from datetime import date, datetime
from uuid import UUID

import asyncpg

_UPSERT = """
INSERT INTO deadlines (appeal_id, unit_code, appeal_type, subtype, category, starts_on,
                       working_days, due_at, provisional, calendar_version, set_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""


async def insert_deadline(
    conn: asyncpg.Connection, *, appeal_id: UUID, unit_code: str, appeal_type: str, subtype: str | None,
    category: str, starts_on: date, working_days: int, due_at: datetime, provisional: bool,
    calendar_version: str, set_at: datetime,
) -> bool:
    """Record an appeal's first deadline; False when it already has one."""
    return await conn.fetchval(
        _UPSERT, appeal_id, unit_code, appeal_type, subtype, category, starts_on, working_days,
        due_at, provisional, calendar_version, set_at,
    ) is not None
