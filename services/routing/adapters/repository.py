"""SQL for routing's appeals: the current transfer, its letters, units' actions, deadlines."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.routing.domain.dispatch import Decision, Unit
from shared.contracts.events import AppealAccepted, DeadlineSet

_INSERT_MANY = """
INSERT INTO transfers (appeal_id, tracking_number, unit_code, unit_name, co_unit_codes, rule_id, state,
                       appeal_type, subtype, category, district, dispatched_at, description, contact,
                       unit_trail, waiting_reason, directory_version, updated_at)
SELECT a, tn, u, un, string_to_array(co, ','), r, st, ty, sub, cat, d, da, des, c::jsonb,
       CASE WHEN u IS NULL THEN '{}'::text[] ELSE ARRAY[u] END, w, $17, $18
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[], $14::text[], $15::text[],
            $16::int[])
     AS t(a, tn, u, un, co, r, st, ty, sub, cat, d, da, des, c, w, n)
ORDER BY n
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""


@dataclass(frozen=True)
class NewTransfer:
    """An accepted appeal's first transfer, dispatched by the catalogue or waiting for an operator."""

    appeal: AppealAccepted
    decision: Decision | None
    waiting_reason: str | None
    version: int
    now: datetime

    @property
    def appeal_id(self) -> UUID:
        return self.appeal.appeal_id

    @property
    def tracking_number(self) -> str:
        return self.appeal.tracking_number

    @property
    def state(self) -> str:
        return "dispatched" if self.decision else "awaiting_operator"

    @property
    def lead(self) -> Unit:
        if self.decision is None:  # callers ask only for dispatched transfers
            raise ValueError(f"appeal {self.appeal_id} waits for an operator: it has no lead unit yet")
        return self.decision.lead

    @property
    def co(self) -> tuple[Unit, ...]:
        return self.decision.co if self.decision else ()

    @property
    def rule_id(self) -> str | None:
        return self.decision.rule_id if self.decision else None


async def insert_transfers(conn: asyncpg.Connection, transfers: Sequence[NewTransfer]) -> set[UUID]:
    """Record first transfers in one statement; return the appeals that were not recorded before."""
    if not transfers:
        return set()
    ts = transfers
    rows = await conn.fetch(
        _INSERT_MANY,
        [t.appeal_id for t in ts], [t.tracking_number for t in ts],
        [t.lead.code if t.decision else None for t in ts], [t.lead.name_zh if t.decision else None for t in ts],
        # unnest flattens a 2-D array, so co-handling units travel as one comma-joined text each.
        [",".join(u.code for u in t.co) for t in ts], [t.rule_id for t in ts], [t.state for t in ts],
        [t.appeal.appeal_type.value for t in ts], [t.appeal.subtype.value if t.appeal.subtype else None for t in ts],
        [t.appeal.category for t in ts], [t.appeal.district for t in ts],
        [t.now if t.decision else None for t in ts], [t.appeal.description for t in ts],
        [json.dumps(t.appeal.contact.model_dump(mode="json"), ensure_ascii=False) if t.appeal.contact else None
         for t in ts],
        [t.waiting_reason for t in ts], list(range(len(ts))), ts[0].version, ts[0].now,
    )
    return {r["appeal_id"] for r in rows}


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
    await conn.execute(f"UPDATE transfers SET updated_at = $2, {assignments} WHERE appeal_id = $1",
                       appeal_id, now, *(fields[n] for n in names))


# --- letters ---------------------------------------------------------------------------

_FIRST_LETTERS = """
INSERT INTO letters (appeal_id, attempt, unit_code, co_unit_codes, rule_id, sent_by, sent_at)
SELECT a, 1, u, string_to_array(co, ','), r, $5, $6
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS l(a, u, co, r)
ON CONFLICT DO NOTHING
"""


async def insert_first_letters(conn: asyncpg.Connection, transfers: Sequence[NewTransfer], *, sent_by: str) -> None:
    """Letter number 1 of each transfer the catalogue dispatched, in one statement."""
    if transfers:
        await conn.execute(_FIRST_LETTERS, [t.appeal_id for t in transfers], [t.lead.code for t in transfers],
                           [",".join(u.code for u in t.co) for t in transfers], [t.rule_id for t in transfers],
                           sent_by, transfers[0].now)


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

_UPSERT_DEADLINES = """
INSERT INTO deadlines (appeal_id, unit_code, due_at, working_days, provisional)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::bool[])
ON CONFLICT (appeal_id) DO UPDATE SET unit_code = excluded.unit_code, due_at = excluded.due_at,
    working_days = excluded.working_days, provisional = excluded.provisional, stopped_at = NULL, met = NULL
"""


async def upsert_deadlines(conn: asyncpg.Connection, deadlines: Sequence[DeadlineSet]) -> None:
    """Each appeal's latest running deadline, in one statement (the last of one appeal's wins)."""
    latest = {d.appeal_id: d for d in deadlines}  # one row per appeal: an upsert may touch a row once
    ds = list(latest.values())
    if ds:
        await conn.execute(_UPSERT_DEADLINES, [d.appeal_id for d in ds], [d.unit_code for d in ds],
                           [d.due_at for d in ds], [d.working_days for d in ds], [d.provisional for d in ds])


async def stop_deadline(conn: asyncpg.Connection, *, appeal_id: UUID, unit_code: str, due_at: datetime,
                        stopped_at: datetime, met: bool) -> None:
    await conn.execute(
        "INSERT INTO deadlines (appeal_id, unit_code, due_at, working_days, provisional, stopped_at, met) "
        "VALUES ($1, $2, $3, 0, false, $4, $5) "
        "ON CONFLICT (appeal_id) DO UPDATE SET stopped_at = $4, met = $5",
        appeal_id, unit_code, due_at, stopped_at, met)


async def forget_contact(conn: asyncpg.Connection, appeal_id: UUID) -> None:
    """The petitioner's contact in clear (from events before sealing) goes; the transfer stays."""
    await conn.execute("UPDATE transfers SET contact = NULL WHERE appeal_id = $1 AND contact IS NOT NULL", appeal_id)
