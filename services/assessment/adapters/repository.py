"""SQL for assessment's per-unit records."""

from datetime import datetime
from uuid import UUID

import asyncpg

_RECEIVED = """
INSERT INTO received_appeals (appeal_id, unit_code, period, dispatched_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (appeal_id, unit_code) DO NOTHING
"""
_COUNTS = """
SELECT unit_code, count(*) AS received
FROM received_appeals WHERE period = $1
GROUP BY unit_code ORDER BY received DESC, unit_code
"""


async def record_received(conn: asyncpg.Connection, appeal_id: UUID, unit_code: str, period: str,
                          at: datetime) -> None:
    await conn.execute(_RECEIVED, appeal_id, unit_code, period, at)


async def counts(conn: asyncpg.Connection | asyncpg.Pool, period: str) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_COUNTS, period)]
