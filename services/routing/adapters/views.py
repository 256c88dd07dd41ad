"""Read queries for the APIs: a unit's inbox, the operators' dispatch queue, one appeal."""

from uuid import UUID

import asyncpg

_INBOX_WHERE = """
FROM transfers t LEFT JOIN deadlines d ON d.appeal_id = t.appeal_id AND d.unit_code = t.unit_code
WHERE t.state = ANY($2::text[]) AND (t.unit_code = $1 OR $1 = ANY(t.co_unit_codes))
"""
_INBOX = f"""
SELECT t.appeal_id, t.tracking_number, t.appeal_type, t.subtype, t.category, t.district, t.state, t.attempt,
       t.rule_id, t.dispatched_at, t.signed_at, t.replied_at, t.reopened,
       CASE WHEN t.unit_code = $1 THEN 'lead' ELSE 'co' END AS role,
       d.due_at, d.provisional, d.stopped_at, d.met
{_INBOX_WHERE}
ORDER BY d.due_at ASC NULLS LAST, t.dispatched_at ASC, t.appeal_id
LIMIT $3 OFFSET $4
"""
_INBOX_COUNT = f"SELECT count(*) {_INBOX_WHERE}"

_QUEUE = """
SELECT appeal_id, tracking_number, appeal_type, category, district, state, attempt, unit_code,
       unit_trail, returned_by, waiting_reason, updated_at
FROM transfers WHERE state = ANY($1::text[])
ORDER BY updated_at, appeal_id LIMIT $2 OFFSET $3
"""


async def inbox(conn: asyncpg.Connection, unit_code: str, states: list[str], limit: int, offset: int):
    rows = await conn.fetch(_INBOX, unit_code, states, limit, offset)
    total = await conn.fetchval(_INBOX_COUNT, unit_code, states)
    return rows, total


async def queue(conn: asyncpg.Connection, states: list[str], limit: int, offset: int):
    rows = await conn.fetch(_QUEUE, states, limit, offset)
    total = await conn.fetchval("SELECT count(*) FROM transfers WHERE state = ANY($1::text[])", states)
    return rows, total


async def deadline_of(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM deadlines WHERE appeal_id = $1", appeal_id)


async def extensions_of(conn: asyncpg.Connection, appeal_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT unit_code, working_days, reason, requested_at, decided, approved "
                            "FROM extension_requests WHERE appeal_id = $1 ORDER BY requested_at", appeal_id)
