"""SQL for intake's appeals table, merges and the handling state learnt from routing."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.duplicates import EarlierAppeal, ProblemFacts
from services.intake.domain.validators import CheckedPetitioner
from shared.contracts.events import SubmitAppeal


@dataclass(frozen=True, kw_only=True)
class Decided:
    """What intake decided about a submission, as stored with it and answered again to a replay:
    the status, why (a refusal's reason and referral, a hold's reason), and what it was classified
    as (None while held or refused)."""

    status: str
    reason: str | None = None
    refer_to: str | None = None
    appeal_type: str | None = None
    subtype: str | None = None
    category: str | None = None
    classification: dict | None = None


@dataclass(frozen=True, kw_only=True)
class StoredAppeal(Decided):
    """A submission decided before, for the receipt a replay answers again."""

    appeal_id: UUID
    tracking_number: str
    into_tracking_number: str | None = None


@dataclass(frozen=True, kw_only=True)
class NewAppeal(Decided):
    """A decided submission, as intake stores it."""

    appeal_id: UUID
    tracking_number: str
    submission: SubmitAppeal
    received_at: datetime
    description: str
    petitioner: CheckedPetitioner
    district: str | None = None
    business_line: bool = False
    inquiry_code_hash: str | None = None
    merged_into: UUID | None = None


@dataclass(frozen=True)
class Merge:
    """The link from a repeat (并单) to the earlier appeal that handles the problem."""

    appeal_id: UUID
    into_appeal_id: UUID
    similarity: float
    reason: str
    merged_at: datetime


_DECIDED = """
SELECT a.channel, a.channel_message_id, a.appeal_id, a.tracking_number, a.status, a.reason, a.refer_to,
       m.tracking_number AS into_tracking_number, a.appeal_type, a.subtype, a.category, a.classification
FROM appeals a LEFT JOIN appeals m ON m.appeal_id = a.merged_into
WHERE (a.channel, a.channel_message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""

_INSERT = """
INSERT INTO appeals (appeal_id, tracking_number, channel, channel_message_id, status, appeal_type,
                     subtype, category, district, description, address, private, petitioner,
                     classification, reason, refer_to, received_at, petitioner_phone, business_line,
                     inquiry_code_hash, merged_into)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bool[], $13::jsonb[],
                     $14::jsonb[], $15::text[], $16::text[], $17::timestamptz[], $18::text[], $19::bool[],
                     $20::text[], $21::uuid[])
ON CONFLICT (channel, channel_message_id) DO NOTHING
RETURNING appeal_id
"""

# Candidates for 并单: each petitioner's most recent accepted appeals in the window; the
# domain rule decides which (if any) is the same problem.
_ACCEPTED = """
SELECT e.*
FROM unnest($1::text[]) AS p(phone)
CROSS JOIN LATERAL (
    SELECT appeal_id, tracking_number, petitioner_phone, district, appeal_type, category, private,
           description, received_at, handling = 'open' AS open
    FROM appeals
    WHERE status = 'accepted' AND petitioner_phone = p.phone AND received_at >= $2
    ORDER BY received_at DESC
    LIMIT $3
) e
"""

_RECORD_MERGES = """
INSERT INTO appeal_merges (appeal_id, into_appeal_id, similarity, reason, merged_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::real[], $4::text[], $5::timestamptz[])
"""

# Only a newer routing event may change the state: events of one appeal arrive in order
# on routing's topic, but a replay or a second routing replica must not roll it back.
_SET_HANDLING = """
UPDATE appeals SET handling = $2, handling_changed_at = $3
WHERE appeal_id = $1 AND (handling_changed_at IS NULL OR handling_changed_at <= $3)
"""


async def decided(conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredAppeal]:
    """The submissions already decided among these (channel, channel_message_id) keys."""
    rows = await conn.fetch(_DECIDED, [channel for channel, _ in keys], [message_id for _, message_id in keys])
    return {
        (r["channel"], r["channel_message_id"]): StoredAppeal(
            appeal_id=r["appeal_id"], tracking_number=r["tracking_number"], status=r["status"], reason=r["reason"],
            refer_to=r["refer_to"], into_tracking_number=r["into_tracking_number"], appeal_type=r["appeal_type"],
            subtype=r["subtype"], category=r["category"],
            classification=json.loads(r["classification"]) if isinstance(r["classification"], str)
            else r["classification"])
        for r in rows
    }


async def insert(conn: asyncpg.Connection, appeals: Sequence[NewAppeal]) -> set[UUID]:
    """Store decided submissions in one statement; the ids stored (a channel message another
    transaction stored first is skipped, and its id missing)."""
    if not appeals:
        return set()
    columns = zip(*(_row(a) for a in appeals), strict=True)
    return {r["appeal_id"] for r in await conn.fetch(_INSERT, *columns)}


def _row(a: NewAppeal) -> tuple:
    return (
        a.appeal_id, a.tracking_number, a.submission.channel.value, a.submission.channel_message_id,
        a.status, a.appeal_type, a.subtype, a.category, a.district, a.description, a.submission.address,
        a.submission.private, json.dumps(asdict(a.petitioner), ensure_ascii=False),
        json.dumps(a.classification) if a.classification is not None else None,
        a.reason, a.refer_to, a.received_at, a.petitioner.phone, a.business_line, a.inquiry_code_hash,
        a.merged_into,
    )


async def accepted_appeals(conn: asyncpg.Connection, phones: Iterable[str], since: datetime,
                           limit: int) -> list[EarlierAppeal]:
    """Each petitioner's `limit` most recent accepted appeals received since `since`."""
    rows = await conn.fetch(_ACCEPTED, list(phones), since, limit)
    return [
        EarlierAppeal(
            appeal_id=r["appeal_id"], tracking_number=r["tracking_number"], open=r["open"],
            facts=ProblemFacts(r["petitioner_phone"], r["district"], r["appeal_type"], r["category"],
                               r["private"], r["description"], r["received_at"]),
        )
        for r in rows
    ]


async def record_merges(conn: asyncpg.Connection, merges: Sequence[Merge]) -> None:
    if merges:
        await conn.execute(_RECORD_MERGES, [m.appeal_id for m in merges], [m.into_appeal_id for m in merges],
                           [m.similarity for m in merges], [m.reason for m in merges],
                           [m.merged_at for m in merges])


async def set_handling(conn: asyncpg.Connection, appeal_id: UUID, handling: str, at: datetime) -> bool:
    """Record routing's word on whether the appeal is still being handled."""
    return await conn.execute(_SET_HANDLING, appeal_id, handling, at) != "UPDATE 0"


async def petitioner_of(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    """What a notification about an accepted appeal needs: its number and the petitioner's phone."""
    return await conn.fetchrow(
        "SELECT tracking_number, petitioner_phone, private FROM appeals"
        " WHERE appeal_id = $1 AND status = 'accepted'", appeal_id)
