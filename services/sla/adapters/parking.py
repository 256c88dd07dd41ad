"""SQL for events that arrived before sla knew their appeal."""

import json
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts.envelope import Envelope

_PARK = """
INSERT INTO parked_events (event_id, appeal_id, event_type, headers, body, parked_at)
VALUES ($1, $2, $3, $4::jsonb, $5, $6)
ON CONFLICT (event_id) DO NOTHING
"""
_TAKE = """
DELETE FROM parked_events WHERE appeal_id = ANY($1::uuid[]) AND failure IS NULL
RETURNING seq, appeal_id, event_id, event_type, headers, body
"""
_FAIL = "INSERT INTO parked_events (event_id, appeal_id, event_type, headers, body, parked_at, failure) " \
        "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) ON CONFLICT (event_id) DO UPDATE SET failure = EXCLUDED.failure"
# Expired or failed parked events, claimed by one sweeping replica at a time.
_CLAIM_EXPIRED = """
SELECT seq, event_id, event_type, headers, body, parked_at, failure FROM parked_events
 WHERE parked_at <= $1 OR failure IS NOT NULL
 ORDER BY seq LIMIT $2
 FOR UPDATE SKIP LOCKED
"""
_DELETE = "DELETE FROM parked_events WHERE seq = ANY($1::bigint[])"
_COUNT = "SELECT count(*) FROM parked_events WHERE appeal_id = $1"


async def park(conn: asyncpg.Connection, envelope: Envelope, appeal_id: UUID, parked_at: datetime) -> None:
    await conn.execute(_PARK, envelope.id, appeal_id, envelope.type, json.dumps(envelope.headers()),
                       envelope.body(), parked_at)


async def take(conn: asyncpg.Connection, appeal_ids: list[UUID]) -> dict[UUID, list[dict]]:
    """Remove and return the appeals' parked events, each appeal's in arrival order."""
    taken: dict[UUID, list[dict]] = {}
    for record in sorted(await conn.fetch(_TAKE, appeal_ids), key=lambda r: r["seq"]):
        row = dict(record)
        row["headers"] = json.loads(row["headers"])
        taken.setdefault(row["appeal_id"], []).append(row)
    return taken


async def put_back_failed(conn: asyncpg.Connection, row: dict, appeal_id: UUID, parked_at: datetime,
                          failure: str) -> None:
    await conn.execute(_FAIL, row["event_id"], appeal_id, row["event_type"], json.dumps(row["headers"]),
                       row["body"], parked_at, failure)


async def claim_expired(conn: asyncpg.Connection, older_than: datetime, limit: int) -> list[dict]:
    rows = [dict(r) for r in await conn.fetch(_CLAIM_EXPIRED, older_than, limit)]
    for row in rows:
        row["headers"] = json.loads(row["headers"])
    return rows


async def delete(conn: asyncpg.Connection, seqs: list[int]) -> None:
    await conn.execute(_DELETE, seqs)


async def count_for(conn: asyncpg.Connection, appeal_id: UUID) -> int:
    return await conn.fetchval(_COUNT, appeal_id)
