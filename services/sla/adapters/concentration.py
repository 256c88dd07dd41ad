"""SQL for accepted-appeal profiles and concentration clusters.

Every query here touches a bounded number of rows: one cluster row, one new member, a COUNT
on the (category, district, accepted_at) index, or similar-text candidates prefiltered by
shingle overlap on the GIN index. Nothing fetches "all recent appeals" any more.
"""

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from services.sla.domain.concentration import Profile

_INSERT_PROFILE = """
INSERT INTO accepted_appeals (appeal_id, category, district, shingles, early_reminder, accepted_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""
_FLAGS = "SELECT early_reminder, key_supervision FROM accepted_appeals WHERE appeal_id = $1"

# An open cluster has a member inside the new appeal's window [$lo, $hi]: its members span
# first_member_at..last_member_at, and the newest member is kept on the row.
_OPEN_PLACE_CLUSTER = """
SELECT cluster_id FROM clusters
 WHERE rule = 'category_district' AND category = $1 AND district = $2
   AND last_member_at >= $3 AND first_member_at <= $4
 ORDER BY last_member_at DESC
 LIMIT 1
 FOR UPDATE
"""
_SAME_PLACE_COUNT = """
SELECT count(*) FROM accepted_appeals
 WHERE category = $1 AND district = $2 AND accepted_at BETWEEN $3 AND $4
"""
_SAME_PLACE_IDS = """
SELECT appeal_id, accepted_at FROM accepted_appeals
 WHERE category = $1 AND district = $2 AND accepted_at BETWEEN $3 AND $4
 ORDER BY accepted_at, appeal_id
"""
# Open similar-text clusters whose representative may be similar enough: it shares one of
# the prefix shingles and its size is within the Jaccard bounds (exact test in Python).
_OPEN_TEXT_CLUSTERS = """
SELECT cluster_id, representative FROM clusters
 WHERE rule = 'similar_text' AND last_member_at >= $1 AND first_member_at <= $2
   AND representative && $3::int[] AND cardinality(representative) BETWEEN $4 AND $5
 ORDER BY last_member_at DESC
"""
_LOCK_CLUSTER = "SELECT cluster_id FROM clusters WHERE cluster_id = $1 FOR UPDATE"
# Similar-text candidates: inside the window, sharing a prefix shingle, of a possible size.
_TEXT_CANDIDATES = """
SELECT appeal_id, shingles, accepted_at FROM accepted_appeals
 WHERE accepted_at BETWEEN $1 AND $2 AND appeal_id <> $3
   AND shingles && $4::int[] AND cardinality(shingles) BETWEEN $5 AND $6
 ORDER BY accepted_at DESC
 LIMIT $7
"""
# The open cluster of the same rule that already holds one of the given appeals.
_OPEN_CLUSTER_OF = """
SELECT c.cluster_id FROM clusters c
 WHERE c.rule = $1 AND c.last_member_at >= $2 AND c.first_member_at <= $3
   AND EXISTS (SELECT 1 FROM cluster_members m WHERE m.cluster_id = c.cluster_id AND m.appeal_id = ANY($4::uuid[]))
 ORDER BY c.last_member_at DESC
 LIMIT 1
 FOR UPDATE
"""
_NEW_CLUSTER = """
INSERT INTO clusters (cluster_id, rule, category, district, opened_at, first_member_at, last_member_at,
                      rules_version, representative)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""
_ADD_MEMBERS = """
INSERT INTO cluster_members (cluster_id, appeal_id) SELECT $1, unnest($2::uuid[])
ON CONFLICT DO NOTHING
"""
_JOIN = """
WITH added AS (INSERT INTO cluster_members (cluster_id, appeal_id) VALUES ($1, $2)
               ON CONFLICT DO NOTHING RETURNING appeal_id)
UPDATE clusters SET last_member_at = greatest(last_member_at, $3),
                    first_member_at = least(first_member_at, $3)
 WHERE cluster_id = $1 AND EXISTS (SELECT 1 FROM added)
RETURNING cluster_id
"""
# Only rows not supervised yet are written; the deadline may not exist yet (then it reads
# the flag from accepted_appeals when it is created).
_SUPERVISE = """
WITH a AS (UPDATE accepted_appeals SET key_supervision = true
            WHERE appeal_id = ANY($1::uuid[]) AND NOT key_supervision)
UPDATE deadlines SET key_supervision = true WHERE appeal_id = ANY($1::uuid[]) AND NOT key_supervision
"""


async def insert_profile(conn: asyncpg.Connection, profile: Profile, early_reminder: bool) -> bool:
    return await conn.fetchval(_INSERT_PROFILE, profile.appeal_id, profile.category, profile.district,
                               sorted(profile.shingles), early_reminder, profile.accepted_at) is not None


async def flags(conn: asyncpg.Connection, appeal_id: UUID) -> tuple[bool, bool]:
    """(early_reminder, key_supervision) from the accepted appeal, (False, False) if unseen."""
    row = await conn.fetchrow(_FLAGS, appeal_id)
    return (row["early_reminder"], row["key_supervision"]) if row else (False, False)


async def open_place_cluster(conn: asyncpg.Connection, category: str, district: str,
                             lo: datetime, hi: datetime) -> UUID | None:
    """The open category+district cluster with a member inside [lo, hi], locked; None if none."""
    return await conn.fetchval(_OPEN_PLACE_CLUSTER, category, district, lo, hi)


async def count_same_place(conn: asyncpg.Connection, category: str, district: str,
                           lo: datetime, hi: datetime) -> int:
    return await conn.fetchval(_SAME_PLACE_COUNT, category, district, lo, hi)


async def same_place(conn: asyncpg.Connection, category: str, district: str,
                     lo: datetime, hi: datetime) -> list[tuple[UUID, datetime]]:
    """(appeal id, accepted at) of every same-place appeal inside [lo, hi]: only when opening."""
    return [(r["appeal_id"], r["accepted_at"])
            for r in await conn.fetch(_SAME_PLACE_IDS, category, district, lo, hi)]


async def open_text_clusters(conn: asyncpg.Connection, lo: datetime, hi: datetime, prefix: list[int],
                             min_size: int, max_size: int) -> list[tuple[UUID, frozenset[int]]]:
    """Open similar-text clusters (newest first) whose representative passes the prefilter."""
    rows = await conn.fetch(_OPEN_TEXT_CLUSTERS, lo, hi, prefix, min_size, max_size)
    return [(r["cluster_id"], frozenset(r["representative"])) for r in rows]


async def lock_cluster(conn: asyncpg.Connection, cluster_id: UUID) -> bool:
    return await conn.fetchval(_LOCK_CLUSTER, cluster_id) is not None


async def text_candidates(conn: asyncpg.Connection, around: Profile, lo: datetime, hi: datetime,
                          prefix: list[int], min_size: int, max_size: int, limit: int
                          ) -> list[tuple[UUID, frozenset[int], datetime]]:
    rows = await conn.fetch(_TEXT_CANDIDATES, lo, hi, around.appeal_id, prefix, min_size, max_size, limit)
    return [(r["appeal_id"], frozenset(r["shingles"]), r["accepted_at"]) for r in rows]


async def open_cluster_of(conn: asyncpg.Connection, rule: str, members: list[UUID],
                          lo: datetime, hi: datetime) -> UUID | None:
    """The open cluster of `rule` (members inside [lo, hi]) that holds one of `members`, locked."""
    return await conn.fetchval(_OPEN_CLUSTER_OF, rule, lo, hi, members)


async def open_cluster(conn: asyncpg.Connection, *, rule: str, category: str, district: str,
                       members: list[UUID], first_at: datetime, last_at: datetime, at: datetime,
                       rules_version: str, representative: frozenset[int] | None = None) -> UUID:
    cluster_id = uuid4()
    await conn.execute(_NEW_CLUSTER, cluster_id, rule, category, district, at, first_at, last_at,
                       rules_version, sorted(representative) if representative is not None else None)
    await conn.execute(_ADD_MEMBERS, cluster_id, members)
    return cluster_id


async def join(conn: asyncpg.Connection, cluster_id: UUID, appeal_id: UUID, accepted_at: datetime) -> bool:
    """Add one member to an open (locked) cluster; False if it was a member already."""
    return await conn.fetchval(_JOIN, cluster_id, appeal_id, accepted_at) is not None


async def put_under_key_supervision(conn: asyncpg.Connection, appeal_ids: list[UUID]) -> None:
    await conn.execute(_SUPERVISE, appeal_ids)
