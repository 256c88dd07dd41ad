"""SQL for intake's appeals table, merges and the handling state learnt from routing."""

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.duplicates import EarlierAppeal, ProblemFacts
from services.intake.domain.validators import CheckedPetitioner
from shared.contracts.events import SubmitAppeal


@dataclass(frozen=True)
class StoredAppeal:
    appeal_id: UUID
    tracking_number: str
    status: str
    reason: str | None
    refer_to: str | None
    into_tracking_number: str | None = None


_FIND = """
SELECT a.appeal_id, a.tracking_number, a.status, a.reason, a.refer_to,
       m.tracking_number AS into_tracking_number
FROM appeals a LEFT JOIN appeals m ON m.appeal_id = a.merged_into
WHERE a.channel = $1 AND a.channel_message_id = $2
"""

_INSERT = """
INSERT INTO appeals (appeal_id, tracking_number, channel, channel_message_id, status, appeal_type,
                     subtype, category, district, description, address, private, petitioner,
                     classification, reason, refer_to, received_at, petitioner_phone, business_line,
                     inquiry_code_hash, merged_into)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14::jsonb, $15, $16, $17,
        $18, $19, $20, $21)
ON CONFLICT (channel, channel_message_id) DO NOTHING
RETURNING appeal_id
"""

# Candidates for 并单: the petitioner's accepted appeals in the window; the domain rule
# decides which (if any) is the same problem.
_EARLIER = """
SELECT appeal_id, tracking_number, petitioner_phone, district, appeal_type, category, private,
       description, received_at, handling = 'open' AS open
FROM appeals
WHERE status = 'accepted' AND petitioner_phone = $1 AND received_at >= $2
ORDER BY received_at DESC
LIMIT 50
"""

_RECORD_MERGE = """
INSERT INTO appeal_merges (appeal_id, into_appeal_id, similarity, reason, merged_at)
VALUES ($1, $2, $3, $4, $5)
"""

# Only a newer routing event may change the state: events of one appeal arrive in order
# on routing's topic, but a replay or a second routing replica must not roll it back.
_SET_HANDLING = """
UPDATE appeals SET handling = $2, handling_changed_at = $3
WHERE appeal_id = $1 AND (handling_changed_at IS NULL OR handling_changed_at <= $3)
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
    description: str,
    petitioner: CheckedPetitioner,
    appeal_type: str | None = None,
    subtype: str | None = None,
    category: str | None = None,
    district: str | None = None,
    classification: dict | None = None,
    reason: str | None = None,
    refer_to: str | None = None,
    business_line: bool = False,
    inquiry_code_hash: str | None = None,
    merged_into: UUID | None = None,
) -> bool:
    """Store a decided submission; False when the same channel message was stored meanwhile."""
    inserted = await conn.fetchval(
        _INSERT, appeal_id, tracking_number, submission.channel.value, submission.channel_message_id,
        status, appeal_type, subtype, category, district, description, submission.address,
        submission.private, json.dumps(asdict(petitioner), ensure_ascii=False),
        json.dumps(classification) if classification is not None else None,
        reason, refer_to, received_at, petitioner.phone, business_line, inquiry_code_hash, merged_into,
    )
    return inserted is not None


async def earlier_appeals(conn: asyncpg.Connection, petitioner_phone: str, since: datetime) -> list[EarlierAppeal]:
    rows = await conn.fetch(_EARLIER, petitioner_phone, since)
    return [
        EarlierAppeal(
            appeal_id=r["appeal_id"], tracking_number=r["tracking_number"], open=r["open"],
            facts=ProblemFacts(r["petitioner_phone"], r["district"], r["appeal_type"], r["category"],
                               r["private"], r["description"], r["received_at"]),
        )
        for r in rows
    ]


async def record_merge(conn: asyncpg.Connection, appeal_id: UUID, into_appeal_id: UUID,
                       similarity: float, reason: str, merged_at: datetime) -> None:
    await conn.execute(_RECORD_MERGE, appeal_id, into_appeal_id, similarity, reason, merged_at)


async def set_handling(conn: asyncpg.Connection, appeal_id: UUID, handling: str, at: datetime) -> bool:
    """Record routing's word on whether the appeal is still being handled."""
    return await conn.execute(_SET_HANDLING, appeal_id, handling, at) != "UPDATE 0"
