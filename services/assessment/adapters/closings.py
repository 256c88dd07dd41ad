"""SQL for closed periods, their publications and the months to recheck after late facts."""

import json
from datetime import datetime
from uuid import UUID

import asyncpg

Conn = asyncpg.Connection | asyncpg.Pool

_CLOSING = "SELECT period, weights_version, closed_by, closed_at, publication_id, scores FROM period_closings WHERE period = $1"
_CLOSING_FOR_UPDATE = _CLOSING + " FOR UPDATE"
_CLOSINGS = "SELECT period, weights_version, closed_by, closed_at, publication_id FROM period_closings ORDER BY period"
_CLOSE = """
INSERT INTO period_closings (period, weights_version, closed_by, closed_at, publication_id, scores)
VALUES ($1, $2, $3, $4, $5, $6::jsonb)
ON CONFLICT (period) DO NOTHING
RETURNING period
"""
_REPUBLISH = "UPDATE period_closings SET publication_id = $2, scores = $3::jsonb WHERE period = $1"
_PUBLICATION = """
INSERT INTO publications (publication_id, period, correction_of, weights_version, scores, published_at)
VALUES ($1, $2, $3, $4, $5::jsonb, $6)
"""
_PUBLICATIONS = """
SELECT publication_id, correction_of, weights_version, published_at FROM publications
WHERE period = $1 ORDER BY published_at, publication_id
"""
_PENDING = "SELECT period FROM period_rechecks ORDER BY period LIMIT $1"
_CLAIM = "DELETE FROM period_rechecks WHERE period = $1 RETURNING period"
_MARK = "INSERT INTO period_rechecks (period) VALUES ($1) ON CONFLICT (period) DO NOTHING"


def _closing(row: asyncpg.Record | None) -> dict | None:
    if row is None:
        return None
    found = dict(row)
    if "scores" in found:
        found["scores"] = json.loads(found["scores"])
    return found


async def closing(conn: Conn, period: str, *, for_update: bool = False) -> dict | None:
    return _closing(await conn.fetchrow(_CLOSING_FOR_UPDATE if for_update else _CLOSING, period))


async def closings(conn: Conn) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_CLOSINGS)]


async def close(conn: asyncpg.Connection, period: str, weights_version: str, closed_by: str, closed_at: datetime,
                publication_id: UUID, scores: list[dict]) -> bool:
    """Record the closing and its first publication; False if the month was already closed."""
    done = await conn.fetchval(_CLOSE, period, weights_version, closed_by, closed_at, publication_id,
                               json.dumps(scores))
    if done:
        await conn.execute(_PUBLICATION, publication_id, period, None, weights_version, json.dumps(scores), closed_at)
    return bool(done)


async def correct(conn: asyncpg.Connection, period: str, weights_version: str, publication_id: UUID,
                  correction_of: UUID, scores: list[dict], at: datetime) -> None:
    await conn.execute(_PUBLICATION, publication_id, period, correction_of, weights_version, json.dumps(scores), at)
    await conn.execute(_REPUBLISH, period, publication_id, json.dumps(scores))


async def publications(conn: Conn, period: str) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_PUBLICATIONS, period)]


async def pending_rechecks(conn: Conn, limit: int = 12) -> list[str]:
    return [r["period"] for r in await conn.fetch(_PENDING, limit)]


async def claim_recheck(conn: asyncpg.Connection, period: str) -> bool:
    return bool(await conn.fetchval(_CLAIM, period))


async def mark_recheck(conn: asyncpg.Connection, period: str) -> None:
    await conn.execute(_MARK, period)
