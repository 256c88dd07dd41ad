"""SQL for the petitioner's contact: data keys, the lead unit, and forgetting."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.retention import UNDECIDED
from services.intake.domain.sealing import KEY_BYTES, new_data_key

# Two acceptances of one appeal (an operator's, after a held one was replayed) seal under the
# same key: the first transaction's key wins, the second reads it. One statement for a batch.
_KEYS = """
WITH wanted AS (SELECT * FROM unnest($1::uuid[], $2::bytea[]) AS w(appeal_id, data_key)),
new AS (
    INSERT INTO contact_keys (appeal_id, data_key, created_at)
    SELECT appeal_id, data_key, $3 FROM wanted
    ON CONFLICT (appeal_id) DO NOTHING RETURNING appeal_id, data_key
)
SELECT appeal_id, data_key FROM new
UNION ALL
SELECT k.appeal_id, k.data_key FROM contact_keys k JOIN wanted USING (appeal_id)
WHERE k.appeal_id NOT IN (SELECT appeal_id FROM new)
"""

_SET_LEAD = """
UPDATE appeals SET lead_unit = $2, lead_unit_at = $3
WHERE appeal_id = $1 AND (lead_unit_at IS NULL OR lead_unit_at <= $3)
"""

# A unit that returned the letter no longer holds it, until a re-dispatch names the next one.
_DROP_LEAD = """
UPDATE appeals SET lead_unit = NULL, lead_unit_at = $3
WHERE appeal_id = $1 AND lead_unit = $2 AND (lead_unit_at IS NULL OR lead_unit_at <= $3)
"""

_CONTACT = """
SELECT appeal_id, tracking_number, status, petitioner, address, lead_unit, contact_forgotten_at
FROM appeals WHERE appeal_id = $1
"""

# The rule of domain/retention.py in SQL: finished at or before $1 and not yet forgotten.
_DUE = """
SELECT a.appeal_id FROM appeals a
LEFT JOIN appeals m ON m.appeal_id = a.merged_into
WHERE a.contact_forgotten_at IS NULL AND (
       (a.status = 'accepted' AND a.handling = 'closed' AND a.handling_changed_at <= $1)
    OR (a.status IN ('answered', 'rejected') AND coalesce(a.decided_at, a.received_at) <= $1)
    OR (a.status = 'merged' AND (
            (m.status = 'accepted' AND m.handling = 'closed' AND m.handling_changed_at <= $1)
         OR (m.status IN ('answered', 'rejected') AND coalesce(m.decided_at, m.received_at) <= $1))))
ORDER BY a.received_at
LIMIT $2
"""

# The clear copy goes; what the appeal needs without the petitioner stays (its text, type,
# district, tracking number, the keyed hash of a private appeal's inquiry code).
_FORGET = """
UPDATE appeals SET petitioner = '{}'::jsonb, address = NULL, petitioner_phone = NULL, contact_forgotten_at = $2
WHERE appeal_id = $1 AND contact_forgotten_at IS NULL
"""


async def data_keys(conn: asyncpg.Connection, appeal_ids: Sequence[UUID], at: datetime) -> dict[UUID, bytes]:
    """Each appeal's data key, made on first use (in the transaction that emits the sealed contact)."""
    ids = list(dict.fromkeys(appeal_ids))
    rows = await conn.fetch(_KEYS, ids, [new_data_key() for _ in ids], at)
    keys = {r["appeal_id"]: bytes(r["data_key"]) for r in rows}
    assert set(keys) == set(ids) and all(len(k) == KEY_BYTES for k in keys.values())
    return keys


async def existing_key(conn: asyncpg.Connection, appeal_id: UUID) -> bytes | None:
    key = await conn.fetchval("SELECT data_key FROM contact_keys WHERE appeal_id = $1", appeal_id)
    return None if key is None else bytes(key)


async def set_lead_unit(conn: asyncpg.Connection, appeal_id: UUID, unit_code: str, at: datetime) -> None:
    await conn.execute(_SET_LEAD, appeal_id, unit_code, at)


async def drop_lead_unit(conn: asyncpg.Connection, appeal_id: UUID, unit_code: str, at: datetime) -> None:
    await conn.execute(_DROP_LEAD, appeal_id, unit_code, at)


async def contact_of(conn: asyncpg.Connection | asyncpg.Pool, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_CONTACT, appeal_id)


async def due(conn: asyncpg.Connection | asyncpg.Pool, cutoff: datetime, limit: int) -> list[UUID]:
    return [r["appeal_id"] for r in await conn.fetch(_DUE, cutoff, limit)]


async def lock(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT appeal_id, status, contact_forgotten_at FROM appeals WHERE appeal_id = $1 FOR UPDATE", appeal_id)


async def forget(conn: asyncpg.Connection, appeal_id: UUID, *, reason: str, by: str, note: str | None,
                 at: datetime) -> bool:
    """Delete the key and the clear copy; False if it was forgotten already."""
    if await conn.execute(_FORGET, appeal_id, at) == "UPDATE 0":
        return False
    await conn.execute("DELETE FROM contact_keys WHERE appeal_id = $1", appeal_id)
    await conn.execute(
        "INSERT INTO contact_forgettings (appeal_id, reason, requested_by, note, forgotten_at)"
        " VALUES ($1, $2, $3, $4, $5)", appeal_id, reason, by, note, at)
    return True


def undecided(status: str) -> bool:
    return status in UNDECIDED
