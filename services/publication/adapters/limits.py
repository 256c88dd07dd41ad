"""SQL for the inquiry rate limits: fixed-window counters in PostgreSQL, shared by all replicas."""

from datetime import datetime

import asyncpg

_COUNT = """
INSERT INTO inquiry_attempts (bucket, window_start, attempts) VALUES ($1, $2, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET attempts = inquiry_attempts.attempts + 1
RETURNING attempts
"""
_PRUNE = "DELETE FROM inquiry_attempts WHERE window_start < $1"


async def count_attempt(conn: asyncpg.Connection | asyncpg.Pool, bucket: str, window_start: datetime) -> int:
    """Add one attempt to the bucket's current window; the total so far."""
    return await conn.fetchval(_COUNT, bucket, window_start)


async def prune(conn: asyncpg.Connection | asyncpg.Pool, before: datetime) -> None:
    await conn.execute(_PRUNE, before)
