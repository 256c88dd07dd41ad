"""SQL for assessment's facts (received letters, lifecycle facts) and the period queries."""

from collections.abc import Iterable, Sequence
from typing import cast
from uuid import UUID

import asyncpg

from services.assessment.domain.facts import Fact

Conn = asyncpg.Connection | asyncpg.Pool
CHUNK = 20_000

_COLUMNS = ("appeal_id, kind, unit_code, occurred_at, event_id, event_type, attempt, level, flag, label, "
            "other_unit, co_units, tracking_number")
_INSERT_FACTS = f"""
INSERT INTO appeal_facts ({_COLUMNS}, period)
SELECT a, k, un, o, e, et, at, l, f, la, ou, string_to_array(co, ','), tn, p
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::uuid[], $6::text[],
                     $7::int[], $8::int[], $9::bool[], $10::text[], $11::text[], $12::text[], $13::text[],
                     $14::text[])
     AS u(a, k, un, o, e, et, at, l, f, la, ou, co, tn, p)
ON CONFLICT (appeal_id, kind, unit_code, occurred_at) DO NOTHING
RETURNING appeal_id
"""
# One round trip for a consumer batch: note the receipts, store the new facts, and read back
# every fact of the appeals that got one. The outer SELECT sees the table as it was before the
# statement, so the facts just inserted come from the INSERT's RETURNING.
_STORE_AND_READ = f"""
WITH received AS (
    INSERT INTO received_appeals (appeal_id, unit_code, period, dispatched_at)
    SELECT * FROM unnest($15::uuid[], $16::text[], $17::text[], $18::timestamptz[])
    ON CONFLICT (appeal_id, unit_code) DO NOTHING
), stored AS (
    {_INSERT_FACTS.replace("RETURNING appeal_id", f"RETURNING {_COLUMNS}").strip()}
)
SELECT {_COLUMNS} FROM stored
UNION ALL
SELECT {_COLUMNS} FROM appeal_facts WHERE appeal_id IN (SELECT DISTINCT appeal_id FROM stored)
"""
_FACTS_OF_PERIOD = f"""
SELECT {_COLUMNS} FROM appeal_facts
WHERE appeal_id IN (SELECT appeal_id FROM appeal_facts WHERE period = $1)
"""
# Every unit that ever received a letter (lead or co-handler) has totals: a few rows per unit,
# where the facts would need a scan of every co_units array for an unknown code.
_KNOWN_UNIT = "SELECT EXISTS (SELECT 1 FROM unit_month_totals WHERE unit_code = $1)"


async def store_facts(conn: asyncpg.Connection, facts: Iterable[Fact]) -> set[UUID]:
    """Insert facts not yet known (by identity); return the appeals that got a new fact."""
    facts = list(facts)
    if not facts:
        return set()
    rows = await conn.fetch(_INSERT_FACTS, *_fact_arrays(facts))
    return {r["appeal_id"] for r in rows}


def _fact_arrays(facts: list[Fact]) -> list[list]:
    return [
        [f.appeal_id for f in facts], [f.kind for f in facts], [f.unit_code for f in facts],
        [f.occurred_at for f in facts], [f.event_id for f in facts], [f.event_type for f in facts],
        [f.attempt for f in facts], [f.level for f in facts], [f.flag for f in facts],
        [f.label for f in facts], [f.other_unit for f in facts],
        # unnest flattens a 2-D array, so the co-units travel as one comma-joined text each.
        [",".join(f.co_units) for f in facts], [f.tracking_number for f in facts], [f.period for f in facts],
    ]


async def store_and_read(conn: asyncpg.Connection, facts: Sequence[Fact], letters: Sequence[Fact]) -> list[Fact]:
    """Record the receipts and the facts not yet known; return every fact of each appeal that got a
    new one (empty when nothing was new: a redelivery judges nothing again)."""
    facts = list(facts)
    if not facts:
        return []
    rows = await conn.fetch(_STORE_AND_READ, *_fact_arrays(facts),
                            [f.appeal_id for f in letters], [f.unit_code for f in letters],
                            [f.period for f in letters], [f.occurred_at for f in letters])
    return [Fact(*r) for r in rows]


def _fact(row: asyncpg.Record) -> Fact:
    # _COLUMNS is in Fact's field order: positional construction is the fast path for months
    # of millions of rows.
    return Fact(*row)


async def _read(conn: Conn, query: str, *args) -> list[Fact]:
    # A cursor reads a big month in chunks: each chunk is its own command, so the pool's
    # command timeout (30 s) bounds a chunk, not the whole month of millions of rows.
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as own:
            return await _read(cast(asyncpg.Connection, own), query, *args)
    if conn.is_in_transaction():
        return [_fact(r) async for r in conn.cursor(query, *args, prefetch=CHUNK)]
    async with conn.transaction(readonly=True):
        return [_fact(r) async for r in conn.cursor(query, *args, prefetch=CHUNK)]


async def facts_of_period(conn: Conn, period: str) -> list[Fact]:
    """Every fact of every appeal some unit received in the month."""
    return await _read(conn, _FACTS_OF_PERIOD, period)


async def is_known_unit(conn: Conn, unit_code: str) -> bool:
    return await conn.fetchval(_KNOWN_UNIT, unit_code)
