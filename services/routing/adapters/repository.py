"""SQL for routing's transfers table."""

from datetime import datetime
from uuid import UUID

import asyncpg

_INSERT = """
INSERT INTO transfers (appeal_id, tracking_number, unit_code, co_unit_codes, rule_id, state,
                       appeal_type, subtype, category, district, dispatched_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""


async def insert_transfer(
    conn: asyncpg.Connection, *, appeal_id: UUID, tracking_number: str, unit_code: str | None,
    co_unit_codes: list[str], rule_id: str | None, state: str, appeal_type: str, subtype: str | None,
    category: str, district: str, dispatched_at: datetime | None,
) -> bool:
    """Record the appeal's first transfer; False if it was already recorded."""
    return await conn.fetchval(
        _INSERT, appeal_id, tracking_number, unit_code, co_unit_codes, rule_id, state,
        appeal_type, subtype, category, district, dispatched_at,
    ) is not None
