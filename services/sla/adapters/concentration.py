"""SQL for accepted-appeal profiles and concentration clusters, a whole run at a time.

Each read serves every appeal of a run in one statement: the clusters whose members lie around
the run, the same-place appeals of places that have no open cluster (on the (category,
district, accepted_at) index), and similar-text candidates prefiltered by shingle overlap and
size, at most `limit` per appeal. Nothing returns "all recent appeals". Each write is one
statement for the whole run.
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.sla.domain.clusters import Cluster
from services.sla.domain.concentration import Profile, TextPrefilter

_INSERT_PROFILES = """
INSERT INTO accepted_appeals (appeal_id, category, district, shingles, early_reminder, accepted_at)
SELECT a, c, d, s::int[], e, t
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[]) AS u(a, c, d, s, e, t)
ON CONFLICT (appeal_id) DO NOTHING
RETURNING appeal_id
"""
_FLAGS = """
SELECT appeal_id, early_reminder, key_supervision FROM accepted_appeals WHERE appeal_id = ANY($1::uuid[])
"""
# An open cluster has members around the window [$1, $2]: they span first_member_at..
# last_member_at. All similar-text ones (few: one per problem and day; the representative is
# compared in Python), and the category+district ones of the run's places.
_CLUSTERS_NEAR = """
SELECT cluster_id, rule, category, district, first_member_at, last_member_at, representative FROM clusters
 WHERE rule = 'similar_text' AND last_member_at >= $1 AND first_member_at <= $2
UNION ALL
SELECT c.cluster_id, c.rule, c.category, c.district, c.first_member_at, c.last_member_at, c.representative
  FROM clusters c JOIN unnest($3::text[], $4::text[]) AS p(category, district)
       ON c.category = p.category AND c.district = p.district
 WHERE c.rule = 'category_district' AND c.last_member_at >= $1 AND c.first_member_at <= $2
"""
# The appeals of each place inside its window [lo, hi] (only for places with no open cluster).
_SAME_PLACE = """
SELECT a.category, a.district, a.appeal_id, a.accepted_at
  FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(category, district, lo, hi)
  JOIN accepted_appeals a ON a.category = w.category AND a.district = w.district
                         AND a.accepted_at BETWEEN w.lo AND w.hi
"""
# Similar-text candidates of each appeal: inside its window, sharing one of its prefix
# shingles, of a possible size, newest first, at most $7 - per appeal the same query as one
# appeal at a time. Each prefix is cast to int[] once (MATERIALIZED), not once per row scanned.
_TEXT_CANDIDATES = """
WITH w AS MATERIALIZED (
     SELECT appeal_id, lo, hi, prefix::int[] AS prefix, min_size, max_size
       FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::int[], $6::int[])
            AS u(appeal_id, lo, hi, prefix, min_size, max_size))
SELECT w.appeal_id AS around, a.appeal_id, a.category, a.district, a.shingles, a.accepted_at
  FROM w CROSS JOIN LATERAL (
       SELECT appeal_id, category, district, shingles, accepted_at FROM accepted_appeals
        WHERE accepted_at BETWEEN w.lo AND w.hi AND appeal_id <> w.appeal_id
          AND shingles && w.prefix AND cardinality(shingles) BETWEEN w.min_size AND w.max_size
        ORDER BY accepted_at DESC
        LIMIT $7) AS a
"""
_MEMBERSHIPS = "SELECT cluster_id, appeal_id FROM cluster_members WHERE appeal_id = ANY($1::uuid[])"
_NEW_CLUSTERS = """
INSERT INTO clusters (cluster_id, rule, category, district, opened_at, first_member_at, last_member_at,
                      rules_version, representative)
SELECT i, r, c, d, o, f, l, $8, s::int[]
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
              $7::timestamptz[], $9::text[]) AS u(i, r, c, d, o, f, l, s)
"""
_ADD_MEMBERS = """
INSERT INTO cluster_members (cluster_id, appeal_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[])
ON CONFLICT DO NOTHING
"""
# least/greatest, not plain assignment: the span only ever widens, whoever wrote it last.
_WIDEN = """
UPDATE clusters c SET first_member_at = least(c.first_member_at, w.first_at),
                      last_member_at = greatest(c.last_member_at, w.last_at)
  FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(cluster_id, first_at, last_at)
 WHERE c.cluster_id = w.cluster_id
"""
# Only rows not supervised yet are written; the deadline may not exist yet (then it reads
# the flag from accepted_appeals when it is created).
_SUPERVISE = """
WITH a AS (UPDATE accepted_appeals SET key_supervision = true
            WHERE appeal_id = ANY($1::uuid[]) AND NOT key_supervision)
UPDATE deadlines SET key_supervision = true WHERE appeal_id = ANY($1::uuid[]) AND NOT key_supervision
"""


def _int_array(values) -> str | None:
    """An int[] literal, cast back in SQL: unnest() cannot take arrays of different lengths."""
    return None if values is None else "{" + ",".join(str(v) for v in sorted(values)) + "}"


async def insert_profiles(conn: asyncpg.Connection, profiles: Sequence[Profile], early: set[UUID]) -> set[UUID]:
    """Record the profiles; returns the appeals recorded now (the others were known before)."""
    rows = await conn.fetch(_INSERT_PROFILES, [p.appeal_id for p in profiles], [p.category for p in profiles],
                            [p.district for p in profiles], [_int_array(p.shingles) for p in profiles],
                            [p.appeal_id in early for p in profiles], [p.accepted_at for p in profiles])
    return {r["appeal_id"] for r in rows}


async def flags(conn: asyncpg.Connection, appeal_ids: Sequence[UUID]) -> dict[UUID, tuple[bool, bool]]:
    """(early_reminder, key_supervision) of each accepted appeal; unseen appeals are left out."""
    rows = await conn.fetch(_FLAGS, list(appeal_ids))
    return {r["appeal_id"]: (r["early_reminder"], r["key_supervision"]) for r in rows}


async def clusters_near(conn: asyncpg.Connection, lo: datetime, hi: datetime,
                        places: Sequence[tuple[str, str]]) -> list[Cluster]:
    """Similar-text clusters open in [lo, hi], and the category+district ones of `places`."""
    rows = await conn.fetch(_CLUSTERS_NEAR, lo, hi, [c for c, _ in places], [d for _, d in places])
    return [Cluster(r["cluster_id"], r["rule"], r["category"], r["district"], r["first_member_at"],
                    r["last_member_at"], frozenset(r["representative"]) if r["representative"] is not None else None)
            for r in rows]


async def same_place(conn: asyncpg.Connection, windows: dict[tuple[str, str], tuple[datetime, datetime]]
                     ) -> list[tuple[str, str, UUID, datetime]]:
    """(category, district, appeal id, accepted at) of the appeals inside each place's window."""
    places = list(windows)
    rows = await conn.fetch(_SAME_PLACE, [c for c, _ in places], [d for _, d in places],
                            [windows[p][0] for p in places], [windows[p][1] for p in places])
    return [(r["category"], r["district"], r["appeal_id"], r["accepted_at"]) for r in rows]


async def text_candidates(conn: asyncpg.Connection,
                          around: Sequence[tuple[Profile, datetime, datetime, TextPrefilter]],
                          limit: int) -> dict[UUID, list[Profile]]:
    """Each appeal's candidates (for appeal, window lo, hi, prefilter), newest first."""
    rows = await conn.fetch(
        _TEXT_CANDIDATES, [p.appeal_id for p, *_ in around], [lo for _, lo, _, _ in around],
        [hi for _, _, hi, _ in around], [_int_array(f.prefix) for *_, f in around],
        [f.min_size for *_, f in around], [f.max_size for *_, f in around], limit)
    found: dict[UUID, list[Profile]] = {}
    for r in rows:
        found.setdefault(r["around"], []).append(
            Profile(r["appeal_id"], r["category"], r["district"], frozenset(r["shingles"]), r["accepted_at"]))
    for candidates in found.values():
        candidates.sort(key=lambda p: p.accepted_at, reverse=True)
    return found


async def memberships(conn: asyncpg.Connection, appeal_ids: Sequence[UUID]) -> list[tuple[UUID, UUID]]:
    """(cluster id, appeal id) of every cluster the appeals belong to."""
    return [(r["cluster_id"], r["appeal_id"]) for r in await conn.fetch(_MEMBERSHIPS, list(appeal_ids))]


async def insert_clusters(conn: asyncpg.Connection, clusters: Sequence[Cluster], rules_version: str) -> None:
    if clusters:
        await conn.execute(
            _NEW_CLUSTERS, [c.cluster_id for c in clusters], [c.rule for c in clusters],
            [c.category for c in clusters], [c.district for c in clusters], [c.opened_at for c in clusters],
            [c.first_member_at for c in clusters], [c.last_member_at for c in clusters], rules_version,
            [_int_array(c.representative) for c in clusters])


async def add_members(conn: asyncpg.Connection, pairs: Sequence[tuple[UUID, UUID]]) -> None:
    """(cluster id, appeal id) member rows; the clusters exist already."""
    if pairs:
        await conn.execute(_ADD_MEMBERS, [c for c, _ in pairs], [a for _, a in pairs])


async def widen(conn: asyncpg.Connection, clusters: Sequence[Cluster]) -> None:
    """Stretch existing clusters' member spans to their new members."""
    if clusters:
        await conn.execute(_WIDEN, [c.cluster_id for c in clusters], [c.first_member_at for c in clusters],
                           [c.last_member_at for c in clusters])


async def put_under_key_supervision(conn: asyncpg.Connection, appeal_ids: Sequence[UUID]) -> None:
    if appeal_ids:
        await conn.execute(_SUPERVISE, list(appeal_ids))
