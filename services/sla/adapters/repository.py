"""SQL for sla's deadlines table: one row per appeal, for the unit that holds it now."""

from uuid import UUID

import asyncpg

COLUMNS = (
    "appeal_id", "unit_code", "appeal_type", "subtype", "category", "starts_on", "working_days", "due_at",
    "provisional", "calendar_version", "state", "set_at", "received_at", "period_days", "extended_days",
    "attempt", "epoch", "early_reminder", "key_supervision", "supervision_level", "overdue_since",
    "fired_steps", "next_step", "next_fire_at", "stopped_at", "met",
)
_PLACEHOLDERS = ", ".join(f"${i}" for i in range(1, len(COLUMNS) + 1))
_INSERT = f"""
INSERT INTO deadlines ({", ".join(COLUMNS)}) VALUES ({_PLACEHOLDERS})
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""
_UPDATE = "UPDATE deadlines SET " + ", ".join(
    f"{c} = ${i}" for i, c in enumerate(COLUMNS, start=1) if c != "appeal_id"
) + " WHERE appeal_id = $1"
_LOCK = f"SELECT {', '.join(COLUMNS)} FROM deadlines WHERE appeal_id = $1 FOR UPDATE"
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
 WHERE state <> 'stopped' AND calendar_version ~ ('(^|,)' || $1 || ':')
 FOR UPDATE
"""
_MARK_FIRED_MANY = """
INSERT INTO ladder_fired (appeal_id, epoch, step, fire_at, fired_at, rules_version)
SELECT a, e, s, f, $5, $6 FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[]) AS u(a, e, s, f)
ON CONFLICT DO NOTHING
RETURNING appeal_id, step
"""
_MARK_FIRED_MANY = """
INSERT INTO ladder_fired (appeal_id, epoch, step, fire_at, fired_at, rules_version)
SELECT a, e, s, f, $5, $6 FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[]) AS u(a, e, s, f)
ON CONFLICT DO NOTHING
RETURNING appeal_id, step
"""
_FIRED = """
INSERT INTO ladder_fired (appeal_id, epoch, step, fire_at, fired_at, rules_version)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING step
"""
_MARK_FIRED_MANY = """
INSERT INTO ladder_fired (appeal_id, epoch, step, fire_at, fired_at, rules_version)
SELECT a, e, s, f, $5, $6 FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[]) AS u(a, e, s, f)
ON CONFLICT DO NOTHING
RETURNING appeal_id, step
"""
_FIRED = "SELECT step, fire_at, fired_at FROM ladder_fired WHERE appeal_id = $1 AND epoch = $2 ORDER BY fired_at"


async def insert(conn: asyncpg.Connection, row: dict) -> bool:
    """Record an appeal's first deadline; False when it already has one."""
    return await conn.fetchval(_INSERT, *(row[c] for c in COLUMNS)) is not None


async def save(conn: asyncpg.Connection, row: dict) -> None:
    await conn.execute(_UPDATE, *(row[c] for c in COLUMNS))


async def lock(conn: asyncpg.Connection, appeal_id: UUID) -> dict | None:
    record = await conn.fetchrow(_LOCK, appeal_id)
    return dict(record) if record else None


async def get(conn: asyncpg.Connection, appeal_id: UUID) -> dict | None:
    record = await conn.fetchrow(_GET, appeal_id)
    return dict(record) if record else None


async def claim_due(conn: asyncpg.Connection, now, limit: int) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_CLAIM_DUE, now, limit)]


async def lock_open_on_year(conn: asyncpg.Connection, year: int) -> list[dict]:
    """Open deadlines whose count touched `year` (their calendar_version names it)."""
    return [dict(r) for r in await conn.fetch(_OPEN_ON_YEAR, str(year))]


async def save_many(conn: asyncpg.Connection, rows: list[dict]) -> None:
    await conn.executemany(_UPDATE, [tuple(row[c] for c in COLUMNS) for row in rows])


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
SELECT supervision_level, count(*) FROM deadlines WHERE state <> 'stopped' GROUP BY supervision_level
"""


async def open_by_level(conn: asyncpg.Connection) -> list[tuple[int, int]]:
    """Running clocks per supervision level (0 = not supervised)."""
    return [(r[0], r[1]) for r in await conn.fetch(_OPEN_BY_LEVEL)]
