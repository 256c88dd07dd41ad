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


async def dissatisfied_count(conn: asyncpg.Connection, appeal_id: UUID) -> int:
    """Ratings of this appeal that asked to reopen it (dissatisfied and unsolved), this one included."""
    return await conn.fetchval(
        "SELECT count(*) FROM evaluations WHERE appeal_id = $1 AND satisfaction = 'dissatisfied' AND NOT solved",
        appeal_id)


# --- evaluation tokens (hashes from intake's EvaluationInvited) --------------------------

async def add_token(conn: asyncpg.Connection, appeal_id: UUID, token_hash: str, replied_at: datetime,
                    expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO evaluation_tokens (appeal_id, token_hash, replied_at, expires_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING", appeal_id, token_hash, replied_at, expires_at)


async def token_valid(conn: asyncpg.Connection | asyncpg.Pool, appeal_id: UUID, token_hash: str,
                      now: datetime) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM evaluation_tokens WHERE appeal_id = $1 AND token_hash = $2"
        " AND expires_at > $3)", appeal_id, token_hash, now)


async def prune_tokens(conn: asyncpg.Connection | asyncpg.Pool, before: datetime) -> None:
    await conn.execute("DELETE FROM evaluation_tokens WHERE expires_at < $1", before)


# --- return calls (差评二次回访) -----------------------------------------------------------

async def open_return_call(conn: asyncpg.Connection, appeal_id: UUID, tracking_number: str, unit_code: str | None,
                           dissatisfied: int, at: datetime) -> bool:
    return await conn.fetchval(
        "INSERT INTO return_calls (appeal_id, tracking_number, unit_code, dissatisfied_ratings, requested_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING return_call_id",
        appeal_id, tracking_number, unit_code, dissatisfied, at) is not None


async def pending_return_calls(conn: asyncpg.Connection | asyncpg.Pool, limit: int) -> list[dict]:
    rows = await conn.fetch(
        "SELECT tracking_number, unit_code, dissatisfied_ratings, requested_at FROM return_calls"
        " WHERE decision IS NULL ORDER BY requested_at, return_call_id LIMIT $1", limit)
    return [dict(r) for r in rows]


async def decide_return_call(conn: asyncpg.Connection, tracking_number: str, decision: str, reason: str,
                             decided_by: str, at: datetime) -> asyncpg.Record | None:
    """Record the centre's decision on the open return call; None when there is none."""
    return await conn.fetchrow(
        "UPDATE return_calls SET decision = $2, reason = $3, decided_by = $4, decided_at = $5"
        " WHERE return_call_id = (SELECT return_call_id FROM return_calls"
        "   WHERE tracking_number = $1 AND decision IS NULL FOR UPDATE)"
        " RETURNING appeal_id, tracking_number, unit_code", tracking_number, decision, reason, decided_by, at)
