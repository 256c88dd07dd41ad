"""Inquiry rate limits and satisfaction evaluation against the real broker and database."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from services.publication.entrypoint import SPEC
from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic, send
from tests.integration.test_publication_support import (
    PHONE,
    client_from,
    frozen_at,
    inquiry_hash,
    invited,
    lifecycle,
    tracking_number,
)
from tests.support import bearer, running_service


async def _stored(db, appeal_id, column="replied_at") -> None:
    async def ready() -> bool:
        return await db.fetchval(f"SELECT {column} IS NOT NULL AND private IS NOT NULL "
                                 "FROM publication.public_appeals WHERE appeal_id = $1", appeal_id) is True
    await eventually(ready, what=f"{column} stored")


async def _invited(db, *appeal_ids) -> None:
    async def ready() -> bool:
        return await db.fetchval("SELECT count(DISTINCT appeal_id) FROM publication.evaluation_tokens"
                                 " WHERE appeal_id = ANY($1::uuid[])", list(appeal_ids)) == len(appeal_ids)
    await eventually(ready, what="the evaluation invitations stored")


async def test_guesses_are_limited_per_number_and_per_client(settings, db):
    appeal_id, number = uuid.uuid4(), tracking_number()
    t0 = datetime.now(UTC) - timedelta(days=2)
    await send(settings, *lifecycle(appeal_id, number, t0, private=True,
                                    code_hash=inquiry_hash(settings.pepper(), "RIGHT234")))
    async with running_service(SPEC, settings) as api:
        await _stored(db, appeal_id)
        api.app.state.context.clock = frozen_at(datetime(2031, 1, 1, 10, 1, tzinfo=UTC))
        async with client_from(api, "198.51.100.7") as guesser, client_from(api, "198.51.100.8") as other:
            for _ in range(5):
                got = await guesser.get(f"/v1/public/appeals/{number}", headers={"X-Inquiry-Code": "WRONG234"})
                assert got.status_code == 404
            blocked = await other.get(f"/v1/public/appeals/{number}", headers={"X-Inquiry-Code": "RIGHT234"})
            assert blocked.status_code == 429, "the number is locked for everyone, even with the right code"
            assert 1 <= int(blocked.headers["Retry-After"]) <= 15 * 60
            assert blocked.headers["Retry-After"] == str(14 * 60)  # the frozen clock is 1 minute into the window

            # per client: many numbers from one address (5 used above, 20 allowed per window)
            statuses = [(await guesser.get(f"/v1/public/appeals/{tracking_number()}",
                                           headers={"X-Inquiry-Code": "WRONG234"})).status_code for _ in range(16)]
            assert statuses[:15] == [404] * 15 and statuses[15] == 429
            # a lookup without a code is no guess and is not limited
            assert (await guesser.get(f"/v1/public/appeals/{tracking_number()}")).status_code == 404

            # the next window opens the number again
            api.app.state.context.clock = frozen_at(datetime(2031, 1, 1, 10, 16, tzinfo=UTC))
            opened = await other.get(f"/v1/public/appeals/{number}", headers={"X-Inquiry-Code": "RIGHT234"})
            assert opened.status_code == 200
    counters = await db.fetch("SELECT bucket FROM publication.inquiry_attempts")
    assert not any("198.51.100" in r["bucket"] for r in counters), "no client address is stored"


async def test_a_reply_is_rated_once_and_a_dissatisfied_unsolved_rating_asks_to_reopen(settings, db):
    appeal_id, number = uuid.uuid4(), tracking_number()
    early_id, early_number = uuid.uuid4(), tracking_number()
    t0 = datetime.now(UTC) - timedelta(days=2)
    token, early_token = "RATE-ONCE-TOKN-0001", "RATE-EARL-YTKN-0002"
    await send(settings, *lifecycle(appeal_id, number, t0), invited(settings.pepper(), appeal_id, number, t0, token),
               *lifecycle(early_id, early_number, t0, reply=False),
               invited(settings.pepper(), early_id, early_number, t0, early_token))
    async with running_service(SPEC, settings) as api:
        await _stored(db, appeal_id)
        await _stored(db, early_id, "signed_at")
        await _invited(db, appeal_id, early_id)
        not_yet = await api.post(f"/v1/public/appeals/{early_number}/evaluation",
                                 json={"satisfaction": "satisfied", "solved": True, "evaluation_token": early_token})
        assert not_yet.status_code == 409 and not_yet.json()["detail"]["reason"] == "not_replied"

        too_long = await api.post(f"/v1/public/appeals/{number}/evaluation",
                                  json={"satisfaction": "dissatisfied", "solved": False, "comment": "长" * 501})
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "comment"
        bad_choice = await api.post(f"/v1/public/appeals/{number}/evaluation",
                                    json={"satisfaction": "great", "solved": False})
        assert bad_choice.status_code == 422 and bad_choice.json()["errors"][0]["field"] == "satisfaction"
        assert await db.fetchval("SELECT count(*) FROM publication.evaluations WHERE appeal_id = $1", appeal_id) == 0

        rated = await api.post(f"/v1/public/appeals/{number}/evaluation", json={
            "satisfaction": "dissatisfied", "solved": False, "evaluation_token": token,
            "comment": f"<script>alert(1)</script>还是漏水，电话{PHONE}"})
        assert rated.status_code == 201, rated.text
        assert rated.json()["reopen_requested"] is True
        again = await api.post(f"/v1/public/appeals/{number}/evaluation",
                               json={"satisfaction": "satisfied", "solved": True, "evaluation_token": token})
        assert again.status_code == 409 and again.json()["detail"]["reason"] == "already_evaluated"

        comment = await db.fetchval("SELECT comment FROM publication.evaluations WHERE appeal_id = $1", appeal_id)
        assert PHONE not in comment and "[手机号]" in comment
        entry = (await api.get(f"/v1/public/appeals/{number}")).json()
        assert entry["status"] == "evaluated" and entry["satisfaction"] == "dissatisfied"
        assert "evaluated" in [s["step"] for s in entry["timeline"]]

    events = await read_topic(settings.kafka_bootstrap, settings.topic(topics.PUBLICATION), expect=1,
                              keys={str(appeal_id).encode()})
    assert len(events) == 1
    body = json.loads(events[0].value)
    assert dict(events[0].headers)["ce_type"] == b"hotline.appeal.evaluated.v1"
    assert body["reopen_requested"] is True and body["unit_code"] == "SAMR" and body["via"] == "web"
    assert "comment" not in body


async def test_window_private_code_and_operator_callback(settings, db):
    late_id, late_number = uuid.uuid4(), tracking_number()
    private_id, private_number = uuid.uuid4(), tracking_number()
    callback_id, callback_number = uuid.uuid4(), tracking_number()
    t0 = datetime.now(UTC) - timedelta(days=2)
    code_hash = inquiry_hash(settings.pepper(), "PRIV2345")
    late_token = "LATE-TOKN-0000-0003"
    await send(settings, *lifecycle(late_id, late_number, t0), invited(settings.pepper(), late_id, late_number, t0,
                                                                       late_token),
               *lifecycle(private_id, private_number, t0, private=True, code_hash=code_hash),
               *lifecycle(callback_id, callback_number, t0, private=True, code_hash=code_hash))
    async with running_service(SPEC, settings) as api:
        for appeal_id in (late_id, private_id, callback_id):
            await _stored(db, appeal_id)
        await _invited(db, late_id)
        async with client_from(api, "203.0.113.9") as petitioner:
            no_code = await petitioner.post(f"/v1/public/appeals/{private_number}/evaluation",
                                            json={"satisfaction": "satisfied", "solved": True})
            assert no_code.status_code == 404
            with_code = await petitioner.post(f"/v1/public/appeals/{private_number}/evaluation",
                                              json={"satisfaction": "satisfied", "solved": True,
                                                    "inquiry_code": "priv-2345"})
            assert with_code.status_code == 201 and with_code.json()["reopen_requested"] is False

            api.app.state.context.clock = frozen_at(t0 + timedelta(days=1, minutes=1) + timedelta(days=30))
            # the evaluation token expires with the window: the petitioner is told nothing more
            late = await petitioner.post(f"/v1/public/appeals/{late_number}/evaluation",
                                         json={"satisfaction": "satisfied", "solved": True,
                                               "evaluation_token": late_token})
            assert late.status_code == 404
            late = await petitioner.post(f"/v1/operator/appeals/{late_number}/evaluation",
                                         json={"satisfaction": "satisfied", "solved": True},
                                         headers=bearer(settings, "operator"))
            assert late.status_code == 409 and late.json()["detail"]["reason"] == "window_closed"

        api.app.state.context.clock = frozen_at(t0 + timedelta(days=3))
        body = {"satisfaction": "basically_satisfied", "solved": True}
        path = f"/v1/operator/appeals/{callback_number}/evaluation"
        assert (await api.post(path, json=body)).status_code == 401
        assert (await api.post(path, json=body, headers=bearer(settings, "unit", "SAMR"))).status_code == 403
        by_operator = await api.post(path, json=body, headers=bearer(settings, "operator", subject="op-7"))
        assert by_operator.status_code == 201
        row = await db.fetchrow("SELECT via, recorded_by FROM publication.evaluations WHERE appeal_id = $1",
                                callback_id)
        assert dict(row) == {"via": "phone_callback", "recorded_by": "op-7"}
