"""SQL for Open311 API keys (stored as keyed hashes) and submission tokens."""

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import asyncpg

_ADD_KEY = "INSERT INTO open311_api_keys (key_id, key_hash, client_name, created_at) VALUES ($1, $2, $3, $4)"
_FIND_KEY = "SELECT key_id FROM open311_api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
_ADD_TOKEN = """
INSERT INTO open311_tokens (token, channel_message_id, key_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (channel_message_id) DO NOTHING RETURNING token
"""
_TOKEN = "SELECT token, tracking_number FROM open311_tokens WHERE token = $1"
_RESOLVE = """
UPDATE open311_tokens AS t SET tracking_number = u.tracking_number
FROM unnest($1::text[], $2::text[]) AS u(channel_message_id, tracking_number)
WHERE t.channel_message_id = u.channel_message_id AND t.tracking_number IS NULL
"""


def key_hash(api_key: str, pepper: bytes) -> str:
    # Keys are 256-bit random strings, so a keyed SHA-256 is enough (no slow hash needed).
    return hmac.new(pepper, api_key.encode(), hashlib.sha256).hexdigest()


async def add_key(conn: asyncpg.Connection | asyncpg.Pool, client_name: str, pepper: bytes,
                  now: datetime) -> tuple[str, str]:
    """A new key for a client: (key_id, api_key); the key itself is shown once and not stored."""
    key_id = "k" + secrets.token_hex(6)
    api_key = f"{key_id}.{secrets.token_urlsafe(32)}"
    await conn.execute(_ADD_KEY, key_id, key_hash(api_key, pepper), client_name, now)
    return key_id, api_key


async def find_key(conn: asyncpg.Connection | asyncpg.Pool, api_key: str, pepper: bytes) -> str | None:
    return await conn.fetchval(_FIND_KEY, key_hash(api_key, pepper))


async def add_token(conn: asyncpg.Connection, token: UUID, channel_message_id: str, key_id: str,
                    now: datetime) -> bool:
    """False when the same submission was posted before (a retry): nothing new to send."""
    return await conn.fetchval(_ADD_TOKEN, token, channel_message_id, key_id, now) is not None


async def token(conn: asyncpg.Connection | asyncpg.Pool, value: UUID) -> dict | None:
    row = await conn.fetchrow(_TOKEN, value)
    return dict(row) if row else None


async def resolve(conn: asyncpg.Connection, accepted: Mapping[str, str]) -> None:
    """Give each pending token its tracking number (channel_message_id -> tracking number); a
    token keeps the first number it was given."""
    if accepted:
        await conn.execute(_RESOLVE, list(accepted), list(accepted.values()))
