"""SQL for routing's appeals: the current transfer, its letters, units' actions, deadlines."""

import json
from datetime import datetime
from uuid import UUID

import asyncpg

_INSERT = """
INSERT INTO transfers (appeal_id, tracking_number, unit_code, unit_name, co_unit_codes, rule_id, state,
                       appeal_type, subtype, category, district, dispatched_at, description, contact,
                       unit_trail, waiting_reason, directory_version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb,
        CASE WHEN $3::text IS NULL THEN '{}'::text[] ELSE ARRAY[$3::text] END, $15, $16, $17)
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""


async def insert_transfer(
    conn: asyncpg.Connection, *, appeal_id: UUID, tracking_number: str, unit_code: str | None,
    unit_name: str | None, co_unit_codes: list[str], rule_id: str | None, state: str, appeal_type: str,
    subtype: str | None, category: str, district: str, dispatched_at: datetime | None, description: str,
    contact: dict | None, waiting_reason: str | None, directory_version: int | None, now: datetime,
) -> bool:
    """Record the appeal's first transfer; False if it was already recorded."""
    return await conn.fetchval(
        _INSERT, appeal_id, tracking_number, unit_code, unit_name, co_unit_codes, rule_id, state,
        appeal_type, subtype, category, district, dispatched_at, description,
        json.dumps(contact, ensure_ascii=False) if contact else None, waiting_reason, directory_version, now,
    ) is not None


async def lock_transfer(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    """The appeal's transfer, locked until the transaction ends (actions on one appeal queue up)."""
    return await conn.fetchrow("SELECT * FROM transfers WHERE appeal_id = $1 FOR UPDATE", appeal_id)


async def get_transfer(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM transfers WHERE appeal_id = $1", appeal_id)


_UPDATABLE = frozenset({
    "state", "unit_code", "unit_name", "co_unit_codes", "rule_id", "attempt", "dispatched_at", "unit_trail",
    "returned_by", "redispatches", "reopened", "waiting_reason", "signed_at", "replied_at", "reply",
    "outcome", "closed_at", "directory_version",
})


async def update_transfer(conn: asyncpg.Connection, appeal_id: UUID, now: datetime, **fields) -> None:
    unknown = set(fields) - _UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    names = list(fields)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=3))
    # Column names come from the allowlist above, never from input.
    await conn.execute(f"UPDATE transfers SET updated_at = $2, {assignments} WHERE appeal_id = $1",  # noqa: S608
                       appeal_id, now, *(fields[n] for n in names))


# --- letters ---------------------------------------------------------------------------

async def insert_letter(conn: asyncpg.Connection, *, appeal_id: UUID, attempt: int, unit_code: str,
                        co_unit_codes: list[str], rule_id: str, reason: str | None, sent_by: str,
                        sent_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO letters (appeal_id, attempt, unit_code, co_unit_codes, rule_id, reason, sent_by, sent_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        appeal_id, attempt, unit_code, co_unit_codes, rule_id, reason, sent_by, sent_at)


async def mark_letter(conn: asyncpg.Connection, appeal_id: UUID, attempt: int, *, signed_at: datetime | None = None,
                      returned_at: datetime | None = None, return_reason: str | None = None) -> None:
    await conn.execute(
        "UPDATE letters SET signed_at = coalesce($3, signed_at), returned_at = coalesce($4, returned_at), "
        "return_reason = coalesce($5, return_reason) WHERE appeal_id = $1 AND attempt = $2",
        appeal_id, attempt, signed_at, returned_at, return_reason)


async def letters_of(conn: asyncpg.Connection, appeal_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM letters WHERE appeal_id = $1 ORDER BY attempt", appeal_id)


# --- units' actions --------------------------------------------------------------------

async def applied_action(conn: asyncpg.Connection, unit_code: str, action_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM unit_actions WHERE unit_code = $1 AND action_id = $2",
                               unit_code, action_id)


async def record_action(conn: asyncpg.Connection, *, unit_code: str, action_id: str, appeal_id: UUID,
                        action: str, applied_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO unit_actions (unit_code, action_id, appeal_id, action, applied_at) VALUES ($1, $2, $3, $4, $5)",
        unit_code, action_id, appeal_id, action, applied_at)


async def insert_co_reply(conn: asyncpg.Connection, appeal_id: UUID, unit_code: str, reply: str,
                          at: datetime) -> None:
    await conn.execute(
        "INSERT INTO co_handler_replies (appeal_id, unit_code, reply, replied_at) VALUES ($1, $2, $3, $4)",
        appeal_id, unit_code, reply, at)


async def co_replies_of(conn: asyncpg.Connection, appeal_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT unit_code, reply, replied_at FROM co_handler_replies WHERE appeal_id = $1 "
                            "ORDER BY replied_at", appeal_id)


async def insert_extension_request(conn: asyncpg.Connection, appeal_id: UUID, unit_code: str, working_days: int,
                                   reason: str, at: datetime) -> None:
    await conn.execute("INSERT INTO extension_requests (appeal_id, unit_code, working_days, reason, requested_at) "
                       "VALUES ($1, $2, $3, $4, $5)", appeal_id, unit_code, working_days, reason, at)


async def pending_extension(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM extension_requests WHERE appeal_id = $1 AND NOT decided", appeal_id)


async def decide_extension(conn: asyncpg.Connection, appeal_id: UUID, approved: bool) -> None:
    await conn.execute(
        "UPDATE extension_requests SET decided = true, approved = $2 WHERE appeal_id = $1 AND NOT decided",
        appeal_id, approved)


# --- deadlines (the SLA service's) -----------------------------------------------------

async def upsert_deadline(conn: asyncpg.Connection, *, appeal_id: UUID, unit_code: str, due_at: datetime,
                          working_days: int, provisional: bool) -> None:
    await conn.execute(
        "INSERT INTO deadlines (appeal_id, unit_code, due_at, working_days, provisional) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (appeal_id) DO UPDATE SET unit_code = $2, due_at = $3, working_days = $4, provisional = $5, "
        "stopped_at = NULL, met = NULL",
        appeal_id, unit_code, due_at, working_days, provisional)


async def stop_deadline(conn: asyncpg.Connection, *, appeal_id: UUID, unit_code: str, due_at: datetime,
                        stopped_at: datetime, met: bool) -> None:
    await conn.execute(
        "INSERT INTO deadlines (appeal_id, unit_code, due_at, working_days, provisional, stopped_at, met) "
        "VALUES ($1, $2, $3, 0, false, $4, $5) "
        "ON CONFLICT (appeal_id) DO UPDATE SET stopped_at = $4, met = $5",
        appeal_id, unit_code, due_at, stopped_at, met)
