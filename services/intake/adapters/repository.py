"""SQL for intake's appeals table."""

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contracts.events import SubmitAppeal


@dataclass(frozen=True)
class StoredAppeal:
    appeal_id: UUID
    tracking_number: str
    status: str
    reason: str | None
    refer_to: str | None


_FIND = """
SELECT appeal_id, tracking_number, status, reason, refer_to
FROM appeals WHERE channel = $1 AND channel_message_id = $2
"""

_INSERT = """
INSERT INTO appeals (appeal_id, tracking_number, channel, channel_message_id, status, appeal_type,
                     subtype, category, district, description, address, private, petitioner,
                     classification, reason, refer_to, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15, $16, $17)
ON CONFLICT (channel, channel_message_id) DO NOTHING
RETURNING appeal_id
"""


async def find_by_channel_message(conn: asyncpg.Connection, channel: str, message_id: str) -> StoredAppeal | None:
    row = await conn.fetchrow(_FIND, channel, message_id)
    return StoredAppeal(**dict(row)) if row else None


async def insert(
    conn: asyncpg.Connection,
    submission: SubmitAppeal,
    *,
    appeal_id: UUID,
    tracking_number: str,
    status: str,
    received_at: datetime,
    appeal_type: str | None = None,
    subtype: str | None = None,
    category: str | None = None,
    district: str | None = None,
    classification: dict | None = None,
    reason: str | None = None,
    refer_to: str | None = None,
) -> bool:
    """Store a decided submission; False when the same channel message was stored meanwhile."""
    inserted = await conn.fetchval(
        _INSERT, appeal_id, tracking_number, submission.channel.value, submission.channel_message_id,
        status, appeal_type, subtype, category, district, submission.description, submission.address,
        submission.private, submission.petitioner.model_dump_json(),
        json.dumps(classification) if classification is not None else None,
        reason, refer_to, received_at,
    )
    return inserted is not None
