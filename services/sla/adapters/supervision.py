"""Read-side SQL for supervisors: overdue and supervised appeals by unit and level."""

from datetime import datetime

import asyncpg

# kind: 'overdue' (clock running, deadline passed), 'supervised' (a supervision level or key
# supervision for concentration), or NULL for either.
_LIST = """
SELECT appeal_id, unit_code, state, due_at, overdue_since, supervision_level, key_supervision, provisional,
       count(*) OVER () AS total
  FROM deadlines
 WHERE state <> 'stopped' AND state <> 'returned'
   AND ($1::text IS NULL OR unit_code = $1)
   AND ($2::int IS NULL OR supervision_level = $2)
   AND CASE $3::text
         WHEN 'overdue' THEN due_at <= $4
         WHEN 'supervised' THEN supervision_level > 0 OR key_supervision
         ELSE due_at <= $4 OR supervision_level > 0 OR key_supervision
       END
 ORDER BY unit_code, supervision_level DESC, due_at, appeal_id
 LIMIT $5 OFFSET $6
"""
_SUMMARY = """
SELECT unit_code, supervision_level AS level, count(*) AS appeals,
       count(*) FILTER (WHERE due_at <= $1) AS overdue,
       count(*) FILTER (WHERE key_supervision) AS key_supervision
  FROM deadlines
 WHERE state <> 'stopped' AND state <> 'returned' AND (due_at <= $1 OR supervision_level > 0 OR key_supervision)
 GROUP BY unit_code, supervision_level
 ORDER BY unit_code, supervision_level DESC
"""


async def listing(conn: asyncpg.Connection, *, kind: str | None, unit_code: str | None, level: int | None,
                  now: datetime, limit: int, offset: int) -> tuple[int, list[dict]]:
    rows = [dict(r) for r in await conn.fetch(_LIST, unit_code, level, kind, now, limit, offset)]
    total = rows[0].pop("total") if rows else 0
    for row in rows[1:]:
        row.pop("total")
    return total, rows


async def summary(conn: asyncpg.Connection, now: datetime) -> list[dict]:
    return [dict(r) for r in await conn.fetch(_SUMMARY, now)]
