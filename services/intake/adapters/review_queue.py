"""SQL for the operators' review queue and their decisions on single appeals."""

import json
from datetime import datetime
from uuid import UUID

import asyncpg

# Keyset paging on (received_at, appeal_id): the queue shrinks while an operator pages
# through it, which would make offsets skip appeals.
_PENDING = """
SELECT appeal_id, tracking_number, channel, appeal_type, subtype, category, district,
       description, private, reason, received_at
FROM appeals
WHERE status = 'pending_review'
  AND ($2::uuid IS NULL
       OR (received_at, appeal_id) > (SELECT received_at, appeal_id FROM appeals WHERE appeal_id = $2))
ORDER BY received_at, appeal_id
LIMIT $1
"""

_LOCK = "SELECT * FROM appeals WHERE appeal_id = $1 FOR UPDATE"

_CLASSIFY = """
UPDATE appeals SET appeal_type = $2, subtype = $3, category = $4, district = $5
WHERE appeal_id = $1
"""

_DECIDE = """
UPDATE appeals SET status = $2, classification = COALESCE($3::jsonb, classification),
                   reason = COALESCE($4, reason), decided_by = $5, decided_at = $6
WHERE appeal_id = $1
"""

_LOG = """
INSERT INTO appeal_decisions (appeal_id, action, decided_by, reason, changes, decided_at)
VALUES ($1, $2, $3, $4, $5::jsonb, $6)
"""

_HISTORY = """
SELECT action, decided_by, reason, changes, decided_at FROM appeal_decisions
WHERE appeal_id = $1 ORDER BY decision_id
"""


async def pending(conn: asyncpg.Connection, limit: int, after: UUID | None) -> list[asyncpg.Record]:
    return await conn.fetch(_PENDING, limit, after)


async def lock(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    """The appeal's row, locked until the operator's transaction ends (two operators, one appeal)."""
    return await conn.fetchrow(_LOCK, appeal_id)


async def set_classification(conn: asyncpg.Connection, appeal_id: UUID, appeal_type: str | None,
                             subtype: str | None, category: str | None, district: str | None) -> None:
    await conn.execute(_CLASSIFY, appeal_id, appeal_type, subtype, category, district)


async def decide(conn: asyncpg.Connection, appeal_id: UUID, status: str, *, by: str, at: datetime,
                 classification: dict | None = None, reason: str | None = None) -> None:
    await conn.execute(_DECIDE, appeal_id, status,
                       json.dumps(classification) if classification is not None else None, reason, by, at)


async def log_decision(conn: asyncpg.Connection, appeal_id: UUID, action: str, *, by: str, reason: str,
                       changes: dict, at: datetime) -> None:
    await conn.execute(_LOG, appeal_id, action, by, reason, json.dumps(changes, ensure_ascii=False), at)


async def history(conn: asyncpg.Connection, appeal_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(_HISTORY, appeal_id)
