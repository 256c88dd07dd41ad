"""SQL for sla's deadlines table: one row per appeal, for the unit that holds it now."""

from collections.abc import Mapping, Sequence
from typing import cast, get_type_hints
from uuid import UUID

import asyncpg

from services.sla.domain.deadline_row import DeadlineRow

COLUMNS = (
    "appeal_id", "unit_code", "appeal_type", "subtype", "category", "starts_on", "working_days", "due_at",
    "provisional", "calendar_version", "state", "set_at", "received_at", "period_days", "extended_days",
    "attempt", "epoch", "early_reminder", "key_supervision", "supervision_level", "overdue_since",
    "fired_steps", "next_step", "next_fire_at", "stopped_at", "met",
)
# First deadlines, a run in one statement. unnest() needs each column's type and cannot carry
# an array per row: fired_steps is left to its default ('{}'), as a new deadline fired nothing.
_NEW_ROW_TYPES = {
    "appeal_id": "uuid", "unit_code": "text", "appeal_type": "text", "subtype": "text", "category": "text",
    "starts_on": "date", "working_days": "int", "due_at": "timestamptz", "provisional": "boolean",
    "calendar_version": "text", "state": "text", "set_at": "timestamptz", "received_at": "timestamptz",
    "period_days": "int", "extended_days": "int", "attempt": "int", "epoch": "int", "early_reminder": "boolean",
    "key_supervision": "boolean", "supervision_level": "int", "overdue_since": "timestamptz", "next_step": "text",
    "next_fire_at": "timestamptz", "stopped_at": "timestamptz", "met": "boolean",
}
assert set(_NEW_ROW_TYPES) == set(COLUMNS) - {"fired_steps"}
assert set(COLUMNS) == set(get_type_hints(DeadlineRow))
_INSERT_MANY = f"""
INSERT INTO deadlines ({", ".join(_NEW_ROW_TYPES)})
SELECT * FROM unnest({", ".join(f"${i}::{t}[]" for i, t in enumerate(_NEW_ROW_TYPES.values(), start=1))})
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""
_UPDATE = "UPDATE deadlines SET " + ", ".join(
    f"{c} = ${i}" for i, c in enumerate(COLUMNS, start=1) if c != "appeal_id"
) + " WHERE appeal_id = $1"
_LOCK = f"SELECT {', '.join(COLUMNS)} FROM deadlines WHERE appeal_id = $1 FOR UPDATE"
# Sorted, so two transactions locking overlapping sets take the rows in the same order.
_LOCK_MANY = f"""
SELECT {', '.join(COLUMNS)} FROM deadlines WHERE appeal_id = ANY($1::uuid[]) ORDER BY appeal_id FOR UPDATE
"""
_GET = f"SELECT {', '.join(COLUMNS)} FROM deadlines WHERE appeal_id = $1"
# Several replicas poll at once: each claims different rows, and a row a handler is changing
# right now is skipped until the next poll instead of waited for.
_CLAIM_DUE = f"""
SELECT {', '.join(COLUMNS)} FROM deadlines
 WHERE next_fire_at <= $1
 ORDER BY next_fire_at
 LIMIT $2
 FOR UPDATE SKIP LOCKED
"""
_OPEN_ON_YEAR = f"""
SELECT {', '.join(COLUMNS)} FROM deadlines
 WHERE state <> 'stopped' AND state <> 'returned' AND calendar_version ~ ('(^|,)' || $1 || ':')
 FOR UPDATE
"""
_MARK_FIRED_MANY = """
INSERT INTO ladder_fired (appeal_id, epoch, step, fire_at, fired_at, rules_version)
SELECT a, e, s, f, $5, $6 FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[]) AS u(a, e, s, f)
ON CONFLICT DO NOTHING
RETURNING appeal_id, step
"""
_FIRED = "SELECT step, fire_at, fired_at FROM ladder_fired WHERE appeal_id = $1 AND epoch = $2 ORDER BY fired_at"


def deadline_row(record: asyncpg.Record) -> DeadlineRow:
    """A `deadlines` record as the domain's typed row (every query here selects all COLUMNS)."""
    return cast(DeadlineRow, dict(record.items()))


async def insert(conn: asyncpg.Connection, row: DeadlineRow) -> bool:
    """Record an appeal's first deadline; False when it already has one."""
    return row["appeal_id"] in await insert_many(conn, [row])


async def insert_many(conn: asyncpg.Connection, rows: Sequence[DeadlineRow]) -> set[UUID]:
    """Record first deadlines (one row per appeal); returns the appeals recorded now, the
    others had one already."""
    if not rows:
        return set()
    if any(row["fired_steps"] for row in rows):
        raise ValueError("insert_many takes new deadlines only: fired_steps must be empty")
    columns = [[_fields(row)[c] for row in rows] for c in _NEW_ROW_TYPES]
    return {r["appeal_id"] for r in await conn.fetch(_INSERT_MANY, *columns)}


def _fields(row: DeadlineRow) -> Mapping[str, object]:
    return row


async def save(conn: asyncpg.Connection, row: DeadlineRow) -> None:
    await conn.execute(_UPDATE, *(_fields(row)[c] for c in COLUMNS))


async def lock(conn: asyncpg.Connection, appeal_id: UUID) -> DeadlineRow | None:
    record = await conn.fetchrow(_LOCK, appeal_id)
    return deadline_row(record) if record else None


async def lock_many(conn: asyncpg.Connection, appeal_ids: list[UUID]) -> list[DeadlineRow]:
    return [deadline_row(r) for r in await conn.fetch(_LOCK_MANY, appeal_ids)]


async def get(conn: asyncpg.Connection, appeal_id: UUID) -> DeadlineRow | None:
    record = await conn.fetchrow(_GET, appeal_id)
    return deadline_row(record) if record else None


async def claim_due(conn: asyncpg.Connection, now, limit: int) -> list[DeadlineRow]:
    return [deadline_row(r) for r in await conn.fetch(_CLAIM_DUE, now, limit)]


async def lock_open_on_year(conn: asyncpg.Connection, year: int) -> list[DeadlineRow]:
    """Open deadlines whose count touched `year` (their calendar_version names it)."""
    return [deadline_row(r) for r in await conn.fetch(_OPEN_ON_YEAR, str(year))]


async def save_many(conn: asyncpg.Connection, rows: Sequence[DeadlineRow]) -> None:
    await conn.executemany(_UPDATE, [tuple(_fields(row)[c] for c in COLUMNS) for row in rows])


async def mark_fired_many(conn: asyncpg.Connection, fires: list[tuple], fired_at, rules_version: str) -> set:
    """Record (appeal_id, epoch, step, fire_at) fires in one round trip; returns the
    (appeal_id, step) pairs recorded now - the others had fired before (exactly-once guard)."""
    if not fires:
        return set()
    columns = list(zip(*fires, strict=True))
    rows = await conn.fetch(_MARK_FIRED_MANY, *columns, fired_at, rules_version)
    return {(r["appeal_id"], r["step"]) for r in rows}


async def fired_steps(conn: asyncpg.Connection, appeal_id: UUID, epoch: int) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_FIRED, appeal_id, epoch)]


_OPEN_BY_LEVEL = """
SELECT supervision_level, count(*) FROM deadlines WHERE state <> 'stopped' AND state <> 'returned' GROUP BY supervision_level
"""


async def open_by_level(conn: asyncpg.Connection) -> list[tuple[int, int]]:
    """Running clocks per supervision level (0 = not supervised)."""
    return [(r[0], r[1]) for r in await conn.fetch(_OPEN_BY_LEVEL)]
