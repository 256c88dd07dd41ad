"""SQL for the web entrance: phone confirmations and the rate-limit counters."""

from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.web_entrance import Confirmation

_COUNT = """
INSERT INTO web_attempts (bucket, window_start, attempts) VALUES ($1, $2, 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET attempts = web_attempts.attempts + 1
RETURNING attempts
"""


async def count_attempt(conn: asyncpg.Connection | asyncpg.Pool, bucket: str, window_start: datetime) -> int:
    return await conn.fetchval(_COUNT, bucket, window_start)


async def add_confirmation(conn: asyncpg.Connection, confirmation_id: UUID, phone_hash: str, code_hash: str,
                           created_at: datetime, expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO phone_confirmations (confirmation_id, phone_hash, code_hash, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)", confirmation_id, phone_hash, code_hash, created_at, expires_at)


async def lock_confirmation(conn: asyncpg.Connection, confirmation_id: UUID) -> Confirmation | None:
    row = await conn.fetchrow(
        "SELECT phone_hash, code_hash, expires_at, attempts, used_for FROM phone_confirmations"
        " WHERE confirmation_id = $1 FOR UPDATE", confirmation_id)
    return Confirmation(**row) if row else None


async def use_confirmation(conn: asyncpg.Connection, confirmation_id: UUID, channel_message_id: str,
                           at: datetime) -> None:
    await conn.execute(
        "UPDATE phone_confirmations SET used_at = coalesce(used_at, $3), used_for = $2"
        " WHERE confirmation_id = $1", confirmation_id, channel_message_id, at)


async def count_guess(conn: asyncpg.Connection | asyncpg.Pool, confirmation_id: UUID) -> None:
    await conn.execute("UPDATE phone_confirmations SET attempts = attempts + 1 WHERE confirmation_id = $1",
                       confirmation_id)


async def prune(conn: asyncpg.Connection | asyncpg.Pool, before: datetime) -> None:
    await conn.execute("DELETE FROM web_attempts WHERE window_start < $1", before)
    await conn.execute("DELETE FROM phone_confirmations WHERE expires_at < $1", before)
