"""SQL for the per-appeal verdict rows and the per-unit running totals of each month."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.assessment.domain.facts import Fact
from services.assessment.domain.verdicts import (
    COLUMNS,
    COUNTERS,
    LAPSED,
    VerdictRow,
    delta,
    group_of,
    moment_delta,
    values,
)

Conn = asyncpg.Connection | asyncpg.Pool
_TYPES = {
    "appeal_id": "uuid", "role": "text", "unit_code": "text", "received_at": "timestamptz", "period": "text",
    "unit_group": "text", "tracking_number": "text", "signed_at": "timestamptz", "response_ends_at": "timestamptz",
    "completed_on_time": "bool", "due_at": "timestamptz", "resolved": "bool", "satisfied": "bool", "reopened": "int",
    "overdue": "bool", "supervision_level": "int", "working_days": "int", "contributed": "bool",
    "lead_unit_code": "text", "reason": "text", "return_called": "bool", "supervision_orders": "int",
    "orders_unanswered": "int", "pending": "bool",
}
_COLS = ", ".join(COLUMNS)
_FACT_COLUMNS = ("appeal_id, kind, unit_code, occurred_at, event_id, event_type, attempt, level, flag, label, "
                 "other_unit, co_units, tracking_number")

# Appeals are locked (in a sorted order, so two consumers never wait on each other in a
# cycle) before their facts are stored: events of one appeal arrive on four topics, possibly
# at two replicas at once, and each must judge the appeal with the other's facts committed.
_LOCK_APPEALS = """
SELECT count(pg_advisory_xact_lock(19019, k)) FROM (SELECT DISTINCT k FROM unnest($1::int[]) AS k ORDER BY k) s
"""
_FACTS_OF_APPEALS = f"SELECT {_FACT_COLUMNS} FROM appeal_facts WHERE appeal_id = ANY($1::uuid[])"
_DELETE = f"DELETE FROM appeal_verdicts WHERE appeal_id = ANY($1::uuid[]) RETURNING {_COLS}"
_INSERT = f"""
INSERT INTO appeal_verdicts ({_COLS})
SELECT * FROM unnest({", ".join(f"${i}::{_TYPES[c]}[]" for i, c in enumerate(COLUMNS, 1))})
"""
_TOTAL_COLS = ("period", "unit_code", "unit_group", "group_at", *COUNTERS)
_ADD_TOTALS = f"""
INSERT INTO unit_month_totals AS t ({", ".join(_TOTAL_COLS)})
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
                     {", ".join(f"${i}::bigint[]" for i in range(5, 5 + len(COUNTERS)))})
ON CONFLICT (period, unit_code) DO UPDATE SET
    {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTERS)},
    unit_group = CASE WHEN EXCLUDED.group_at IS NOT NULL AND (t.group_at IS NULL
                      OR (EXCLUDED.group_at, EXCLUDED.unit_group) > (t.group_at, coalesce(t.unit_group, '')))
                 THEN EXCLUDED.unit_group ELSE t.unit_group END,
    group_at = greatest(t.group_at, EXCLUDED.group_at)
"""
_TOTALS = f"SELECT unit_code, coalesce(unit_group, 'ungrouped') AS unit_group, {', '.join(COUNTERS)} " \
          f"FROM unit_month_totals WHERE period = $1 ORDER BY unit_code"
# What time alone has decided by now: the pending letters' moments that have passed.
_LAPSED = """
SELECT unit_code, counter, sum(n) AS n FROM pending_moments
WHERE period = $1 AND at <= $2 GROUP BY unit_code, counter
"""
_ADD_MOMENTS = """
INSERT INTO pending_moments AS m (period, unit_code, counter, at, n)
SELECT * FROM unnest({params})
ON CONFLICT (period, unit_code, counter, at) DO UPDATE SET n = m.n + EXCLUDED.n
"""
_MOMENT_TYPES = ("text", "text", "text", "timestamptz", "bigint")
# The centre's direct answers at intake (直接办结) in a span: no unit holds them, so they have no
# totals row; a partial index (migration 005) finds the few of a month.
_ANSWERED_AT_INTAKE = """
SELECT count(DISTINCT appeal_id) FROM appeal_facts
WHERE kind = 'answered_at_intake' AND occurred_at >= $1 AND occurred_at < $2
"""
_ROWS_OF_UNIT = f"SELECT {_COLS} FROM appeal_verdicts WHERE period = $1 AND unit_code = $2"
_ROWS_IN_RANGE = f"SELECT {_COLS} FROM appeal_verdicts WHERE received_at >= $1 AND received_at < $2"
_UNIT_IN_RANGE = _ROWS_IN_RANGE + " AND unit_code = $3"


def _lock_key(appeal_id: UUID) -> int:
    return int.from_bytes(appeal_id.bytes[:4], "big", signed=True)


async def lock_appeals(conn: asyncpg.Connection, appeal_ids: Iterable[UUID]) -> None:
    keys = sorted({_lock_key(a) for a in appeal_ids})
    if keys:
        await conn.fetchval(_LOCK_APPEALS, keys)


async def facts_of_appeals(conn: asyncpg.Connection, appeal_ids: Iterable[UUID]) -> list[Fact]:
    return [Fact(*r) for r in await conn.fetch(_FACTS_OF_APPEALS, list(appeal_ids))]


def _row(record: asyncpg.Record) -> VerdictRow:
    return VerdictRow(*tuple(record)[:-1])  # the last column, `pending`, is derived


def _params(types: Sequence[str], first: int) -> str:
    return ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, first))


_N = len(COLUMNS)
_TOTAL_TYPES = ("text", "text", "text", "timestamptz", *("bigint",) * len(COUNTERS))
# The new rows, the totals' difference and the closed months to recheck in one round trip
# (three tables, so the sub-statements never touch one row twice).
_APPLY_ALL = f"""
WITH verdicts AS (
    INSERT INTO appeal_verdicts ({_COLS}) SELECT * FROM unnest({_params([_TYPES[c] for c in COLUMNS], 1)})
), totals AS (
    {_ADD_TOTALS.split("SELECT * FROM unnest(")[0].strip()}
    SELECT * FROM unnest({_params(_TOTAL_TYPES, _N + 1)})
    ON CONFLICT {_ADD_TOTALS.split("ON CONFLICT", 1)[1].strip()}
), moments AS (
    {_ADD_MOMENTS.format(params=_params(_MOMENT_TYPES, _N + len(_TOTAL_TYPES) + 1)).strip()}
)
INSERT INTO period_rechecks (period)
SELECT c.period FROM unnest(${_N + len(_TOTAL_TYPES) + len(_MOMENT_TYPES) + 1}::text[]) AS p(period)
JOIN period_closings c USING (period)
ON CONFLICT (period) DO NOTHING
"""


def _row_arrays(rows: Sequence[VerdictRow]) -> list[list]:
    return [list(column) for column in zip(*(values(r) for r in rows), strict=True)] if rows else [[]] * _N


def _moment_arrays(changes: Mapping[tuple, int]) -> list[list]:
    keys = sorted(changes)  # sorted: row locks in one order
    return [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [k[3] for k in keys],
            [changes[k] for k in keys]]


def _total_arrays(keys: list, changes: dict, groups: Mapping) -> list[list]:
    return [[k[0] for k in keys], [k[1] for k in keys], [groups[k][1] if k in groups else None for k in keys],
            [groups[k][0] if k in groups else None for k in keys],
            *([changes[k].get(c, 0) for k in keys] for c in COUNTERS)]


async def replace(conn: asyncpg.Connection, appeal_ids: Sequence[UUID], rows: Sequence[VerdictRow],
                  periods: Iterable[str] = ()) -> None:
    """Replace the appeals' verdict rows by `rows`, move the totals by the difference, and mark the
    closed months among `periods` (the appeals' months) for a recheck."""
    old = [_row(r) for r in await conn.fetch(_DELETE, list(appeal_ids))]
    changes, groups = delta(old, rows), group_of(rows)
    keys = sorted(k for k in changes if changes[k] or k in groups)  # sorted: row locks in one order
    await conn.execute(_APPLY_ALL, *_row_arrays(rows), *_total_arrays(keys, changes, groups),
                       *_moment_arrays(moment_delta(old, rows)), sorted(set(periods)))


async def insert(conn: asyncpg.Connection, rows: Sequence[VerdictRow]) -> None:
    if rows:
        columns = list(zip(*(values(r) for r in rows), strict=True))
        await conn.execute(_INSERT, *columns)


async def add_to_totals(conn: asyncpg.Connection, old: Sequence[VerdictRow], new: Sequence[VerdictRow]) -> None:
    changes = delta(old, new)
    groups = group_of(new)
    keys = sorted(k for k in changes if changes[k] or k in groups)  # sorted: row locks in one order
    if not keys:
        return
    await conn.execute(_ADD_TOTALS, *_total_arrays(keys, changes, groups))
    await conn.execute(_ADD_MOMENTS.format(params=_params(_MOMENT_TYPES, 1)), *_moment_arrays(moment_delta(old, new)))


async def totals(conn: Conn, period: str) -> list[dict]:
    """Per unit of the month: its group and running totals (units whose totals are all 0 left out)."""
    found = []
    for r in await conn.fetch(_TOTALS, period):
        row = dict(r)
        if any(row[c] for c in COUNTERS):
            found.append(row)
    return found


async def lapsed(conn: Conn, period: str, now: datetime) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for r in await conn.fetch(_LAPSED, period, now):
        if r["counter"] in LAPSED:
            found.setdefault(r["unit_code"], {})[r["counter"]] = int(r["n"])
    return found


async def rows_of_unit(conn: Conn, period: str, unit_code: str) -> list[VerdictRow]:
    return [_row(r) for r in await conn.fetch(_ROWS_OF_UNIT, period, unit_code)]


async def rows_in_range(conn: Conn, since: datetime, until: datetime, unit_code: str | None = None) -> list[VerdictRow]:
    if unit_code is None:
        return [_row(r) for r in await conn.fetch(_ROWS_IN_RANGE, since, until)]
    return [_row(r) for r in await conn.fetch(_UNIT_IN_RANGE, since, until, unit_code)]


async def answered_at_intake(conn: Conn, since: datetime, until: datetime) -> int:
    """Appeals the centre answered at intake in [since, until): its own work, no unit's."""
    return int(await conn.fetchval(_ANSWERED_AT_INTAKE, since, until) or 0)
