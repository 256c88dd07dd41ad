"""SQL for accepted-appeal profiles and concentration clusters."""

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
_RECENT = """
SELECT appeal_id, category, district, shingles, accepted_at FROM accepted_appeals
 WHERE accepted_at BETWEEN $1 AND $2 AND appeal_id <> $3
 ORDER BY accepted_at DESC
 LIMIT $4
"""
_FLAGS = "SELECT early_reminder, key_supervision FROM accepted_appeals WHERE appeal_id = $1"
# The open cluster a new member joins: same rule and place, a member inside the window.
_OPEN_CLUSTER = """
SELECT c.cluster_id FROM clusters c
 WHERE c.rule = $1 AND c.last_member_at >= $2
   AND EXISTS (SELECT 1 FROM cluster_members m WHERE m.cluster_id = c.cluster_id AND m.appeal_id = ANY($3::uuid[]))
 ORDER BY c.last_member_at DESC
 LIMIT 1
 FOR UPDATE
"""
_NEW_CLUSTER = """
INSERT INTO clusters (cluster_id, rule, category, district, opened_at, last_member_at, rules_version)
VALUES ($1, $2, $3, $4, $5, $5, $6)
"""
_TOUCH = "UPDATE clusters SET last_member_at = greatest(last_member_at, $2) WHERE cluster_id = $1"
_ADD_MEMBERS = """
INSERT INTO cluster_members (cluster_id, appeal_id) SELECT $1, unnest($2::uuid[])
ON CONFLICT DO NOTHING RETURNING appeal_id
"""
_MEMBERS = "SELECT appeal_id FROM cluster_members WHERE cluster_id = $1 ORDER BY appeal_id"
_SUPERVISE = """
WITH a AS (UPDATE accepted_appeals SET key_supervision = true WHERE appeal_id = ANY($1::uuid[]))
UPDATE deadlines SET key_supervision = true WHERE appeal_id = ANY($1::uuid[])
"""


async def insert_profile(conn: asyncpg.Connection, profile: Profile, early_reminder: bool) -> bool:
    return await conn.fetchval(_INSERT_PROFILE, profile.appeal_id, profile.category, profile.district,
                               sorted(profile.shingles), early_reminder, profile.accepted_at) is not None


async def recent(conn: asyncpg.Connection, around: Profile, window, limit: int) -> list[Profile]:
    rows = await conn.fetch(_RECENT, around.accepted_at - window, around.accepted_at + window,
                            around.appeal_id, limit)
    return [Profile(r["appeal_id"], r["category"], r["district"], frozenset(r["shingles"]), r["accepted_at"])
            for r in rows]


async def flags(conn: asyncpg.Connection, appeal_id: UUID) -> tuple[bool, bool]:
    """(early_reminder, key_supervision) from the accepted appeal, (False, False) if unseen."""
    row = await conn.fetchrow(_FLAGS, appeal_id)
    return (row["early_reminder"], row["key_supervision"]) if row else (False, False)


async def join_or_open(conn: asyncpg.Connection, *, rule: str, category: str, district: str,
                       members: tuple[UUID, ...], window_start: datetime, at: datetime,
                       rules_version: str) -> tuple[UUID, list[UUID], list[UUID]]:
    """(cluster id, appeals added now, all members): an open cluster grows, else one is opened."""
    cluster_id = await conn.fetchval(_OPEN_CLUSTER, rule, window_start, list(members))
    if cluster_id is None:
        cluster_id = uuid4()
        await conn.execute(_NEW_CLUSTER, cluster_id, rule, category, district, at, rules_version)
    else:
        await conn.execute(_TOUCH, cluster_id, at)
    added = [r["appeal_id"] for r in await conn.fetch(_ADD_MEMBERS, cluster_id, list(members))]
    everyone = [r["appeal_id"] for r in await conn.fetch(_MEMBERS, cluster_id)]
    return cluster_id, added, everyone


async def put_under_key_supervision(conn: asyncpg.Connection, appeal_ids: list[UUID]) -> None:
    await conn.execute(_SUPERVISE, appeal_ids)
