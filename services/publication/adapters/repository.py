"""SQL for the public read model: one upsert per kind of event, in any arrival order.

Every upsert creates the row if the event is the first one seen for the appeal, keeps the
latest time of each step (greatest), and returns the whole row; what is public is decided
in Python (domain/lifecycle.py), not here.
"""

from datetime import datetime
from uuid import UUID

import asyncpg

_RETURN = "RETURNING p.*"

ACCEPTED = f"""
INSERT INTO public_appeals AS p (appeal_id, tracking_number, appeal_type, category, district, private,
                                 accepted_at, summary, name_tags, inquiry_code_hash, classified_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $7, $7)
ON CONFLICT (appeal_id) DO UPDATE SET
    tracking_number = EXCLUDED.tracking_number, private = EXCLUDED.private,
    accepted_at = EXCLUDED.accepted_at, summary = EXCLUDED.summary, name_tags = EXCLUDED.name_tags,
    inquiry_code_hash = EXCLUDED.inquiry_code_hash,
    -- a reclassification seen earlier (a redelivered acceptance comes late) keeps its say
    appeal_type = CASE WHEN p.classified_at > EXCLUDED.accepted_at THEN p.appeal_type ELSE EXCLUDED.appeal_type END,
    category = CASE WHEN p.classified_at > EXCLUDED.accepted_at THEN p.category ELSE EXCLUDED.category END,
    district = CASE WHEN p.classified_at > EXCLUDED.accepted_at THEN p.district ELSE EXCLUDED.district END,
    classified_at = greatest(p.classified_at, EXCLUDED.classified_at),
    updated_at = greatest(p.updated_at, EXCLUDED.updated_at)
{_RETURN}
"""
RECLASSIFIED = f"""
INSERT INTO public_appeals AS p (appeal_id, appeal_type, category, district, classified_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (appeal_id) DO UPDATE SET
    appeal_type = CASE WHEN p.classified_at > $5 THEN p.appeal_type ELSE $2 END,
    category = CASE WHEN p.classified_at > $5 THEN p.category ELSE $3 END,
    district = CASE WHEN p.classified_at > $5 THEN p.district ELSE $4 END,
    classified_at = greatest(p.classified_at, $5), updated_at = greatest(p.updated_at, $5)
{_RETURN}
"""
# A transfer letter (first or re-dispatched): the latest letter names the responsible unit.
UNIT = f"""
INSERT INTO public_appeals AS p (appeal_id, unit_name, unit_at, dispatched_at, updated_at)
VALUES ($1, $2, $3, $3, $3)
ON CONFLICT (appeal_id) DO UPDATE SET
    unit_name = CASE WHEN p.unit_at > $3 THEN p.unit_name ELSE $2 END,
    unit_at = greatest(p.unit_at, $3), dispatched_at = greatest(p.dispatched_at, $3),
    updated_at = greatest(p.updated_at, $3)
{_RETURN}
"""
REPLIED = f"""
INSERT INTO public_appeals AS p (appeal_id, replied_unit_code, reply, reply_outcome, replied_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
ON CONFLICT (appeal_id) DO UPDATE SET
    replied_unit_code = CASE WHEN p.replied_at > $5 THEN p.replied_unit_code ELSE $2 END,
    reply = CASE WHEN p.replied_at > $5 THEN p.reply ELSE $3 END,
    reply_outcome = CASE WHEN p.replied_at > $5 THEN p.reply_outcome ELSE $4 END,
    replied_at = greatest(p.replied_at, $5), updated_at = greatest(p.updated_at, $5)
{_RETURN}
"""
DEADLINE = f"""
INSERT INTO public_appeals AS p (appeal_id, expected_at, deadline_event_at, updated_at)
VALUES ($1, $2, $3, $3)
ON CONFLICT (appeal_id) DO UPDATE SET
    expected_at = CASE WHEN p.deadline_event_at > $3 THEN p.expected_at ELSE $2 END,
    deadline_event_at = greatest(p.deadline_event_at, $3), updated_at = greatest(p.updated_at, $3)
{_RETURN}
"""
DEADLINE_STOPPED = f"""
INSERT INTO public_appeals AS p (appeal_id, deadline_met, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (appeal_id) DO UPDATE SET deadline_met = $2, updated_at = greatest(p.updated_at, $3)
{_RETURN}
"""
EVALUATED = f"""
INSERT INTO public_appeals AS p (appeal_id, satisfaction, solved, evaluated_at, updated_at)
VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (appeal_id) DO UPDATE SET
    satisfaction = CASE WHEN p.evaluated_at > $4 THEN p.satisfaction ELSE $2 END,
    solved = CASE WHEN p.evaluated_at > $4 THEN p.solved ELSE $3 END,
    evaluated_at = greatest(p.evaluated_at, $4), updated_at = greatest(p.updated_at, $4)
{_RETURN}
"""


def _step_time(column: str) -> str:
    """An upsert that records the latest time of one step (signed, closed, reopened)."""
    return f"""
INSERT INTO public_appeals AS p (appeal_id, {column}, updated_at) VALUES ($1, $2, $2)
ON CONFLICT (appeal_id) DO UPDATE SET
    {column} = greatest(p.{column}, $2), updated_at = greatest(p.updated_at, $2)
{_RETURN}
"""


SIGNED, CLOSED, REOPENED = _step_time("signed_at"), _step_time("closed_at"), _step_time("reopened_at")

NAME_TAGS = "SELECT name_tags FROM public_appeals WHERE appeal_id = $1"
SET_REPLY = "UPDATE public_appeals SET reply = $2 WHERE appeal_id = $1"
ADD_STEP = "INSERT INTO public_timeline (appeal_id, step, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
TIMELINE = "SELECT step, at FROM public_timeline WHERE appeal_id = $1 ORDER BY at, step"
BY_TRACKING_NUMBER = "SELECT * FROM public_appeals WHERE tracking_number = $1"
BY_TRACKING_NUMBER_FOR_UPDATE = BY_TRACKING_NUMBER + " FOR UPDATE"
# Only changes the public can see go to the feed: a redelivered event leaves the digest alone.
MARK_PUBLISHED = """
UPDATE public_appeals SET published_digest = $2
WHERE appeal_id = $1 AND published_digest IS DISTINCT FROM $2 RETURNING appeal_id
"""


async def upsert(conn: asyncpg.Connection, statement: str, *args) -> dict:
    return dict(await conn.fetchrow(statement, *args))


async def set_reply(conn: asyncpg.Connection, appeal_id: UUID, reply: str) -> None:
    await conn.execute(SET_REPLY, appeal_id, reply)


async def add_step(conn: asyncpg.Connection, appeal_id: UUID, step: str, at: datetime) -> None:
    await conn.execute(ADD_STEP, appeal_id, step, at)


async def timeline(conn: asyncpg.Connection | asyncpg.Pool, appeal_id: UUID) -> list[dict]:
    return [dict(r) for r in await conn.fetch(TIMELINE, appeal_id)]


async def get(conn: asyncpg.Connection | asyncpg.Pool, tracking_number: str, *,
              for_update: bool = False) -> dict | None:
    row = await conn.fetchrow(BY_TRACKING_NUMBER_FOR_UPDATE if for_update else BY_TRACKING_NUMBER,
                              tracking_number)
    return dict(row) if row else None


async def mark_published(conn: asyncpg.Connection, appeal_id: UUID, digest: str) -> bool:
    return await conn.fetchval(MARK_PUBLISHED, appeal_id, digest) is not None


async def name_tags(conn: asyncpg.Connection, appeal_id: UUID) -> list[str]:
    """The keyed hashes of the petitioner's name, once the acceptance has been seen."""
    return list(await conn.fetchval(NAME_TAGS, appeal_id) or ())
