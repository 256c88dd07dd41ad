"""SQL for units' extension requests and supervisors' decisions."""

from datetime import datetime
from uuid import UUID

import asyncpg

_INSERT = """
INSERT INTO extensions (extension_id, appeal_id, unit_code, working_days, reason, requested_at, status,
                        decided_by, decided_at, decision_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (appeal_id, requested_at) DO NOTHING
RETURNING extension_id
"""
_LOCK = "SELECT * FROM extensions WHERE extension_id = $1 FOR UPDATE"
_DECIDE = """
UPDATE extensions SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5
 WHERE extension_id = $1
"""
_WITHDRAW = """
UPDATE extensions SET status = 'withdrawn', decided_by = 'sla', decided_at = $2, decision_reason = $3
 WHERE appeal_id = $1 AND status = 'pending'
"""
_LIST = """
SELECT extension_id, appeal_id, unit_code, working_days, requested_at, status, decided_by, decided_at,
       decision_reason
  FROM extensions
 WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR unit_code = $2)
 ORDER BY requested_at, extension_id
 LIMIT $3 OFFSET $4
"""


async def insert(conn: asyncpg.Connection, *, extension_id: UUID, appeal_id: UUID, unit_code: str,
                 working_days: int, reason: str, requested_at: datetime, status: str,
                 decided_by: str | None = None, decided_at: datetime | None = None,
                 decision_reason: str | None = None) -> bool:
    """Record a request; False when this request (appeal, time) was recorded before."""
    return await conn.fetchval(_INSERT, extension_id, appeal_id, unit_code, working_days, reason, requested_at,
                               status, decided_by, decided_at, decision_reason) is not None


async def lock(conn: asyncpg.Connection, extension_id: UUID) -> dict | None:
    record = await conn.fetchrow(_LOCK, extension_id)
    return dict(record) if record else None


async def decide(conn: asyncpg.Connection, extension_id: UUID, status: str, by: str, at: datetime,
                 reason: str) -> None:
    await conn.execute(_DECIDE, extension_id, status, by, at, reason)


async def withdraw_pending(conn: asyncpg.Connection, appeal_id: UUID, at: datetime, reason: str) -> None:
    await conn.execute(_WITHDRAW, appeal_id, at, reason)


async def listing(conn: asyncpg.Connection, status: str | None, unit_code: str | None, limit: int,
                  offset: int) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_LIST, status, unit_code, limit, offset)]
