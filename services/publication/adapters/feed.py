"""SQL for the public feed (GET /v1/public/feed): entries in commit order behind a cursor."""

import json

import asyncpg

# Held until commit, so no entry with a lower seq can commit after a higher one is visible.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('publication.public_feed'))"
_APPEND = "INSERT INTO public_feed (tracking_number, body) VALUES ($1, $2::jsonb) RETURNING seq"
_READ = "SELECT seq, body::text AS body FROM public_feed WHERE seq > $1 ORDER BY seq LIMIT $2"


async def append(conn: asyncpg.Connection, tracking_number: str, body: dict) -> int:
    await conn.execute(_LOCK)
    return await conn.fetchval(_APPEND, tracking_number, json.dumps(body, ensure_ascii=False))


async def read(conn: asyncpg.Connection | asyncpg.Pool, after: int, limit: int) -> list[tuple[int, dict]]:
    return [(r["seq"], json.loads(r["body"])) for r in await conn.fetch(_READ, after, limit)]
