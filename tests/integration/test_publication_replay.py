"""`hotline replay publication`: the read model rebuilt from the Kafka log equals the live one."""

import uuid
from datetime import UTC, datetime, timedelta

from services.publication.entrypoint import SPEC
from services.publication.replay import replay
from shared.contracts.events import AppealClosed, AppealReopened, DeadlineStopped
from tests.integration.helpers import eventually, send
from tests.integration.test_publication_support import inquiry_hash, invited, lifecycle, tracking_number
from tests.support import running_service

_ROWS = """
SELECT appeal_id, tracking_number, appeal_type, category, district, private, unit_name, summary, reply,
       expected_at, deadline_met, accepted_at, dispatched_at, signed_at, replied_at, evaluated_at,
       satisfaction, solved, closed_at, reopened_at, status, updated_at, inquiry_code_hash, name_tags
FROM publication.public_appeals WHERE appeal_id = ANY($1::uuid[]) ORDER BY appeal_id
"""
_STEPS = "SELECT * FROM publication.public_timeline WHERE appeal_id = ANY($1::uuid[]) ORDER BY appeal_id, at, step"
_FEED = "SELECT seq, tracking_number, body FROM publication.public_feed WHERE tracking_number = ANY($1::text[]) ORDER BY seq"


def _latest(feed) -> dict:
    return {r["tracking_number"]: r["body"] for r in feed}


async def test_replay_from_the_log_gives_the_same_read_model(settings, db):
    t0 = datetime.now(UTC) - timedelta(days=3)
    appeals = [(uuid.uuid4(), tracking_number()) for _ in range(3)]
    (a, na), (b, nb), (c, nc) = appeals
    await send(settings, *lifecycle(a, na, t0), invited(settings.pepper(), a, na, t0, "REPL-AYTK-0000-0001"),
               *lifecycle(b, nb, t0, reply=False),
               *lifecycle(c, nc, t0, private=True, code_hash=inquiry_hash(settings.pepper(), "REPL2345")),
               DeadlineStopped(appeal_id=a, unit_code="SAMR", due_at=t0 + timedelta(days=28),
                               stopped_at=t0 + timedelta(days=1), met=True))
    ids = [i for i, _ in appeals]
    async with running_service(SPEC, settings) as api:
        async def applied() -> bool:
            return await db.fetchval("SELECT count(*) FROM publication.public_appeals WHERE appeal_id = ANY($1) "
                                     "AND signed_at IS NOT NULL AND private IS NOT NULL", ids) == 3 and \
                await db.fetchval("SELECT count(*) FROM publication.evaluation_tokens WHERE appeal_id = $1", a) == 1
        await eventually(applied, what="three appeals")
        rated = await api.post(f"/v1/public/appeals/{na}/evaluation", json={
            "satisfaction": "dissatisfied", "solved": False, "evaluation_token": "REPL-AYTK-0000-0001"})
        assert rated.status_code == 201
        # routing would reopen it; the reopening and a later close arrive from the log
        await send(settings, AppealReopened(appeal_id=a, reason="dissatisfied", reopened_at=t0 + timedelta(days=2)),
                   AppealClosed(appeal_id=c, closed_at=t0 + timedelta(days=2)))

        async def settled() -> bool:
            return await db.fetchval(
                "SELECT count(*) FROM publication.public_appeals WHERE appeal_id = ANY($1) "
                "AND (status = 'reopened' OR status = 'closed')", ids) == 2 and await db.fetchval(
                "SELECT count(*) FROM publication.inbox WHERE event_type = 'hotline.appeal.evaluated.v1'") >= 1
        await eventually(settled, what="reopened, closed and the evaluation read back")
        before_rows = [dict(r) for r in await db.fetch(_ROWS, ids)]
        before_steps = [dict(r) for r in await db.fetch(_STEPS, ids)]
        before_feed = await db.fetch(_FEED, [na, nb, nc])
        evaluations = await db.fetch("SELECT * FROM publication.evaluations WHERE appeal_id = $1", a)
    assert {r["status"] for r in before_rows} == {"reopened", "signed", "closed"}

    read = await replay(settings)
    assert read >= 16

    assert [dict(r) for r in await db.fetch(_ROWS, ids)] == before_rows
    assert [dict(r) for r in await db.fetch(_STEPS, ids)] == before_steps
    after_feed = await db.fetch(_FEED, [na, nb, nc])
    assert set(_latest(after_feed)) == {na, nb}, "private appeals stay out of the feed"
    assert _latest(after_feed) == _latest(before_feed), "each appeal's current public state is in the rebuilt feed"
    assert min(r["seq"] for r in after_feed) > max(r["seq"] for r in before_feed), "cursors only move forward"
    assert await db.fetch("SELECT * FROM publication.evaluations WHERE appeal_id = $1", a) == evaluations
    assert await db.fetchval("SELECT count(*) FROM publication.outbox") == 0, "a replay republishes nothing"
