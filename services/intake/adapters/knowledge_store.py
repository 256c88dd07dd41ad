"""SQL for the knowledge base (versioned entries) and the answers offered at intake."""

from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.knowledge import Entry, Match

_IN_FORCE = """
SELECT DISTINCT ON (entry_id) entry_id, version, questions, answer, label, unit_code, valid_from, valid_to, retired,
       changed_by, changed_at
FROM knowledge_entries ORDER BY entry_id, version DESC
"""


def entry_of(row: asyncpg.Record) -> Entry:
    return Entry(row["entry_id"], row["version"], tuple(row["questions"]), row["answer"], row["label"],
                 row["unit_code"], row["valid_from"], row["valid_to"])


async def entries_in_force(conn: asyncpg.Connection) -> list[tuple[Entry, asyncpg.Record]]:
    """The newest version of every entry that is not retired."""
    return [(entry_of(r), r) for r in await conn.fetch(_IN_FORCE) if not r["retired"]]


async def newest(conn: asyncpg.Connection, entry_id: UUID, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM knowledge_entries WHERE entry_id = $1 ORDER BY version DESC LIMIT 1"
        + (" FOR UPDATE" if lock else ""), entry_id)


async def store(conn: asyncpg.Connection, entry: Entry, *, retired: bool, by: str, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO knowledge_entries (entry_id, version, questions, answer, label, unit_code, valid_from, valid_to, "
        "retired, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        entry.entry_id, entry.version, list(entry.questions), entry.answer, entry.label, entry.unit_code,
        entry.valid_from, entry.valid_to, retired, by, at)


async def record_offer(conn: asyncpg.Connection, appeal_id: UUID, match: Match, at: datetime,
                       token_hash: str | None) -> None:
    await conn.execute(
        "INSERT INTO answer_offers (appeal_id, entry_id, entry_version, answer, score, offered_at, answer_token_hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        appeal_id, match.entry.entry_id, match.entry.version, match.entry.answer, match.score, at, token_hash)


async def offer_of(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM answer_offers WHERE appeal_id = $1", appeal_id)


async def conclude(conn: asyncpg.Connection, appeal_id: UUID, how: str, *, by: str, at: datetime) -> None:
    await conn.execute("UPDATE answer_offers SET concluded = $2, concluded_by = $3, concluded_at = $4 "
                       "WHERE appeal_id = $1", appeal_id, how, by, at)


async def waiting_since(conn: asyncpg.Connection, before: datetime, limit: int = 100) -> list[UUID]:
    """Offers nobody answered by `before`: they are dispatched as any other appeal."""
    rows = await conn.fetch("SELECT appeal_id FROM answer_offers WHERE concluded IS NULL AND offered_at < $1 "
                            "ORDER BY offered_at LIMIT $2", before, limit)
    return [r["appeal_id"] for r in rows]
