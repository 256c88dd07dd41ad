"""SQL for the public read model: rows read and written a whole run at a time, and the timeline.

How a fact changes a row is decided in Python (domain/read_model.py), so writing is the
same statement for every kind of event: the rows as they now are, in one upsert.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import cast
from uuid import UUID

import asyncpg
from pydantic_core import to_json

from services.publication.domain.read_model import COLUMNS
from services.publication.domain.row import PublicRow

# Locked until commit, so an evaluation posted meanwhile waits instead of being overwritten;
# in appeal_id order, so two transactions locking several rows cannot deadlock.
_LOCK_ROWS = "SELECT * FROM public_appeals WHERE appeal_id = ANY($1::uuid[]) ORDER BY appeal_id FOR UPDATE"
_SAVE = f"""
INSERT INTO public_appeals ({", ".join(COLUMNS)})
SELECT {", ".join(COLUMNS)} FROM jsonb_populate_recordset(NULL::public_appeals, $1::jsonb)
ON CONFLICT (appeal_id) DO UPDATE SET ({", ".join(COLUMNS[1:])}) = ({", ".join(f"EXCLUDED.{c}" for c in COLUMNS[1:])})
"""
# The primary key makes a step seen twice a no-op.
_ADD_STEPS = """
INSERT INTO public_timeline (appeal_id, step, at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
ON CONFLICT DO NOTHING
"""
TIMELINE = "SELECT step, at FROM public_timeline WHERE appeal_id = $1 ORDER BY at, step"
BY_TRACKING_NUMBER = "SELECT * FROM public_appeals WHERE tracking_number = $1"
BY_TRACKING_NUMBER_FOR_UPDATE = BY_TRACKING_NUMBER + " FOR UPDATE"



def public_row(record: asyncpg.Record) -> PublicRow:
    """A `public_appeals` record as the domain's typed row (every query here selects all columns)."""
    return cast(PublicRow, dict(record.items()))


async def lock_rows(conn: asyncpg.Connection, appeal_ids: Collection[UUID]) -> dict[UUID, PublicRow]:
    """The stored rows of these appeals (those that have one), locked for this transaction."""
    return {r["appeal_id"]: public_row(r) for r in await conn.fetch(_LOCK_ROWS, list(appeal_ids))}


async def save(conn: asyncpg.Connection, rows: Sequence[PublicRow]) -> None:
    """Insert or overwrite whole rows (each appeal at most once)."""
    if rows:
        # pydantic_core writes datetimes and UUIDs natively; json.dumps called a Python `default=`
        # for each of them, three times slower for a run of rows. A type it cannot write raises.
        body = to_json([_columns(row) for row in rows]).decode()
        await conn.execute(_SAVE, body)


def _columns(row: Mapping[str, object]) -> dict[str, object]:
    return {c: row[c] for c in COLUMNS}


async def add_steps(conn: asyncpg.Connection, steps: Sequence[tuple[UUID, str, datetime]]) -> None:
    if steps:
        appeal_ids, names, times = zip(*steps, strict=True)
        await conn.execute(_ADD_STEPS, list(appeal_ids), list(names), list(times))


async def timeline(conn: asyncpg.Connection | asyncpg.Pool, appeal_id: UUID) -> list[dict]:
    return [dict(r) for r in await conn.fetch(TIMELINE, appeal_id)]


async def get(conn: asyncpg.Connection | asyncpg.Pool, tracking_number: str, *,
              for_update: bool = False) -> PublicRow | None:
    row = await conn.fetchrow(BY_TRACKING_NUMBER_FOR_UPDATE if for_update else BY_TRACKING_NUMBER,
                              tracking_number)
    return public_row(row) if row else None
