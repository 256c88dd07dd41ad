"""SQL for evaluations: one per reply, the primary key settles a race between two ratings."""

from datetime import datetime
from uuid import UUID

import asyncpg

_RECORD = """
INSERT INTO evaluations (appeal_id, replied_at, satisfaction, solved, via, comment, recorded_by, evaluated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (appeal_id, replied_at) DO NOTHING
RETURNING appeal_id
"""


async def record(conn: asyncpg.Connection, appeal_id: UUID, replied_at: datetime, satisfaction: str,
                 solved: bool, via: str, comment: str | None, recorded_by: str | None,
                 evaluated_at: datetime) -> bool:
    """Store the rating; False when this reply was rated already."""
    return await conn.fetchval(_RECORD, appeal_id, replied_at, satisfaction, solved, via, comment,
                               recorded_by, evaluated_at) is not None
