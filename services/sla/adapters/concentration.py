"""SQL for accepted-appeal profiles and problem groups, a whole run at a time.

Every read is bounded whatever the surge: the groups of the run's LSH buckets (at most
`per_band` per bucket, newest first, open around the run), their exemplars (at most the
rules' `exemplars` each) and the members of those that are not clusters yet (fewer than
`min_members` each). A cluster's members are never read: it is a counter. Each write is one
statement for the whole run.
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.sla.domain.clusters import Group
from services.sla.domain.concentration import ConcentrationRules

_INSERT_PROFILES = """
INSERT INTO accepted_appeals (appeal_id, category, district, shingles, early_reminder, accepted_at)
SELECT a, c, d, '{}', e, t
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[]) AS u(a, c, d, e, t)
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""
_FLAGS = """
SELECT appeal_id, early_reminder, key_supervision FROM accepted_appeals WHERE appeal_id = ANY($1::uuid[])
"""
# Per bucket the newest groups still open at the run's earliest appeal, at most $3.
_GROUPS = """
SELECT g.group_id, g.category, g.district, g.first_member_at, g.last_member_at, g.member_count,
       g.concentrated_at, g.open_until, array_agg(DISTINCT c.band_key) AS bands
  FROM unnest($1::bigint[]) AS k(band_key)
  CROSS JOIN LATERAL (
       SELECT b.band_key, b.group_id FROM problem_group_bands b
         JOIN problem_groups o ON o.group_id = b.group_id AND o.open_until >= $2
        WHERE b.band_key = k.band_key
        ORDER BY b.opened_at DESC
        LIMIT $3) AS c
  JOIN problem_groups g ON g.group_id = c.group_id
 GROUP BY g.group_id
"""
_EXEMPLARS = "SELECT group_id, appeal_id, shingles FROM problem_group_exemplars WHERE group_id = ANY($1::uuid[])"
_CANDIDATE_MEMBERS = """
SELECT m.group_id, m.appeal_id FROM problem_group_members m
  JOIN problem_groups g USING (group_id)
 WHERE m.group_id = ANY($1::uuid[]) AND g.concentrated_at IS NULL
"""
_NEW_GROUPS = """
INSERT INTO problem_groups (group_id, category, district, first_member_at, last_member_at, open_until,
                            member_count, concentrated_at, rules_version)
SELECT * , $9 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                          $6::timestamptz[], $7::int[], $8::timestamptz[])
"""
# Counts are added, spans widened (least/greatest): the row is the only thing a join touches.
_CHANGE_GROUPS = """
UPDATE problem_groups g SET member_count = g.member_count + u.added,
                            first_member_at = least(g.first_member_at, u.first_at),
                            last_member_at = greatest(g.last_member_at, u.last_at),
                            open_until = greatest(g.open_until, u.open_until),
                            concentrated_at = coalesce(g.concentrated_at, u.concentrated_at)
  FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
       AS u(group_id, added, first_at, last_at, open_until, concentrated_at)
 WHERE g.group_id = u.group_id
"""
_ADD_MEMBERS = """
INSERT INTO problem_group_members (group_id, appeal_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING
"""
_ADD_EXEMPLARS = """
INSERT INTO problem_group_exemplars (group_id, appeal_id, shingles)
SELECT g, a, s::int[] FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS u(g, a, s) ON CONFLICT DO NOTHING
"""
_ADD_BANDS = """
INSERT INTO problem_group_bands (band_key, group_id, opened_at)
SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[]) ON CONFLICT DO NOTHING
"""
# Only rows not supervised yet are written; the deadline may not exist yet (then it reads
# the flag from accepted_appeals when it is created).
_SUPERVISE = """
WITH a AS (UPDATE accepted_appeals SET key_supervision = true
            WHERE appeal_id = ANY($1::uuid[]) AND NOT key_supervision)
UPDATE deadlines SET key_supervision = true WHERE appeal_id = ANY($1::uuid[]) AND NOT key_supervision
"""
# Groups closed before $1 no longer need their buckets (and candidates their exemplars):
# a few per run, so the bucket index holds about a window's worth of groups.
_PRUNE = """
WITH closed AS (
     UPDATE problem_groups SET bands_pruned = true
      WHERE group_id IN (SELECT group_id FROM problem_groups WHERE NOT bands_pruned AND open_until < $1
                          ORDER BY open_until LIMIT $2)
  RETURNING group_id, concentrated_at),
     bands AS (DELETE FROM problem_group_bands b USING closed c WHERE b.group_id = c.group_id)
DELETE FROM problem_group_exemplars e USING closed c WHERE e.group_id = c.group_id AND c.concentrated_at IS NULL
"""


def _int_array(values) -> str:
    """An int[] literal, cast back in SQL: unnest() cannot take arrays of different lengths."""
    return "{" + ",".join(str(v) for v in sorted(values)) + "}"


async def insert_profiles(conn: asyncpg.Connection, rows: Sequence[tuple[UUID, str, str, bool, datetime]]) -> set[UUID]:
    """Record (appeal, category, district, early reminder, accepted at); returns the appeals
    recorded now (the others were known before: a redelivery)."""
    recorded = await conn.fetch(_INSERT_PROFILES, *(list(column) for column in zip(*rows, strict=True)))
    return {r["appeal_id"] for r in recorded}


async def flags(conn: asyncpg.Connection, appeal_ids: Sequence[UUID]) -> dict[UUID, tuple[bool, bool]]:
    """(early_reminder, key_supervision) of each accepted appeal; unseen appeals are left out."""
    rows = await conn.fetch(_FLAGS, list(appeal_ids))
    return {r["appeal_id"]: (r["early_reminder"], r["key_supervision"]) for r in rows}


async def groups_near(conn: asyncpg.Connection, band_keys: Sequence[int], open_at: datetime,
                      rules: ConcentrationRules) -> list[Group]:
    """The groups filed under the buckets, open at `open_at` or later, with their exemplars and
    (while they are candidates) their members."""
    rows = await conn.fetch(_GROUPS, sorted(set(band_keys)), open_at, rules.candidates_per_band)
    groups = {r["group_id"]: Group(r["group_id"], r["category"], r["district"], r["first_member_at"],
                                   r["last_member_at"], r["member_count"], r["concentrated_at"], exemplars=[],
                                   bands=set(r["bands"]), open_until=r["open_until"]) for r in rows}
    if not groups:
        return []
    ids = list(groups)
    for r in await conn.fetch(_EXEMPLARS + " ORDER BY appeal_id", ids):
        groups[r["group_id"]].exemplars.append((r["appeal_id"], frozenset(r["shingles"])))
    for r in await conn.fetch(_CANDIDATE_MEMBERS + " ORDER BY m.appeal_id", ids):
        groups[r["group_id"]].members.append(r["appeal_id"])
    return list(groups.values())


async def write_groups(conn: asyncpg.Connection, new: Sequence[Group], changed: Sequence[Group],
                       rules: ConcentrationRules, rules_version: str) -> None:
    if new:
        await conn.execute(
            _NEW_GROUPS, [g.group_id for g in new], [g.category for g in new], [g.district for g in new],
            [g.first_member_at for g in new], [g.last_member_at for g in new], [g.open_until for g in new],
            [g.member_count for g in new], [g.concentrated_at for g in new], rules_version)
    if changed:
        await conn.execute(
            _CHANGE_GROUPS, [g.group_id for g in changed], [len(g.added) for g in changed],
            [g.first_member_at for g in changed], [g.last_member_at for g in changed],
            [g.open_until for g in changed], [g.concentrated_at for g in changed])


async def add_members(conn: asyncpg.Connection, pairs: Sequence[tuple[UUID, UUID]]) -> None:
    if pairs:
        await conn.execute(_ADD_MEMBERS, [g for g, _ in pairs], [a for _, a in pairs])


async def add_exemplars(conn: asyncpg.Connection, rows: Sequence[tuple[UUID, UUID, frozenset[int]]]) -> None:
    if rows:
        await conn.execute(_ADD_EXEMPLARS, [g for g, _, _ in rows], [a for _, a, _ in rows],
                           [_int_array(s) for _, _, s in rows])


async def add_bands(conn: asyncpg.Connection, rows: Sequence[tuple[int, UUID, datetime]]) -> None:
    if rows:
        await conn.execute(_ADD_BANDS, [b for b, _, _ in rows], [g for _, g, _ in rows], [t for _, _, t in rows])


async def put_under_key_supervision(conn: asyncpg.Connection, appeal_ids: Sequence[UUID]) -> None:
    if appeal_ids:
        await conn.execute(_SUPERVISE, list(appeal_ids))


async def prune(conn: asyncpg.Connection, closed_before: datetime, limit: int) -> None:
    await conn.execute(_PRUNE, closed_before, limit)
