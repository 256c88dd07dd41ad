"""Publication's read model against the real broker and database: order, redaction, privacy, feed."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from services.publication.entrypoint import SPEC
from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic, send
from tests.integration.test_publication_support import (
    NAME,
    PHONE,
    accepted,
    deadline,
    dispatched,
    inquiry_hash,
    lifecycle,
    replied,
    tracking_number,
)
from tests.support import running_service


async def test_events_in_any_order_make_one_redacted_public_appeal(settings, db):
    appeal_id, number = uuid.uuid4(), tracking_number()
    t0 = datetime.now(UTC) - timedelta(days=2)
    async with running_service(SPEC, settings) as api:
        # the SLA and routing topics are ahead of intake: the row is not public yet
        await send(settings, deadline(appeal_id, t0 + timedelta(hours=1)),
                   dispatched(appeal_id, number, t0 + timedelta(hours=1)))

        async def stored() -> bool:
            return await db.fetchval("SELECT expected_at IS NOT NULL AND unit_name IS NOT NULL "
                                     "FROM publication.public_appeals WHERE appeal_id = $1", appeal_id) is True
        await eventually(stored, what="deadline and letter stored before the acceptance")
        assert (await api.get(f"/v1/public/appeals/{number}")).status_code == 404

        await send(settings, accepted(appeal_id, number, t0))

        async def shown() -> bool:
            return (await api.get(f"/v1/public/appeals/{number}")).status_code == 200
        await eventually(shown, what="the appeal to be public")
        entry = (await api.get(f"/v1/public/appeals/{number}")).json()
        assert entry["status"] == "dispatched" and entry["unit_name"] == "沈阳市市场监督管理局"
        assert entry["expected_at"] is not None and entry["district"] == "heping"
        assert entry["summary"] == "我是[姓名]，电话[手机号]，家住和平区南京北街[门牌号]，楼上漏水一个月物业不管。"
        assert [s["step"] for s in entry["timeline"]] == ["accepted", "dispatched"]

        await send(settings, replied(appeal_id, t0 + timedelta(days=1)))

        async def replied_shown() -> bool:
            return (await api.get(f"/v1/public/appeals/{number}")).json()["status"] == "replied"
        await eventually(replied_shown, what="the reply")
        entry = (await api.get(f"/v1/public/appeals/{number}")).json()
        assert entry["reply"] == "经核实，[姓名]反映的漏水已维修，回访电话[手机号]。"

        stored_row = await db.fetchrow("SELECT * FROM publication.public_appeals WHERE appeal_id = $1", appeal_id)
        assert NAME not in json.dumps(dict(stored_row), default=str, ensure_ascii=False)
        assert PHONE not in json.dumps(dict(stored_row), default=str)

        # the same facts again under new event ids change nothing and publish nothing
        feed_before = await db.fetchval("SELECT count(*) FROM publication.public_feed WHERE tracking_number = $1",
                                        number)
        await send(settings, accepted(appeal_id, number, t0), replied(appeal_id, t0 + timedelta(days=1)))
        await _drained(db)
        assert await db.fetchval("SELECT count(*) FROM publication.public_feed WHERE tracking_number = $1",
                                 number) == feed_before == 2  # accepted+dispatched+deadline together, then replied

    published = await read_topic(settings.kafka_bootstrap, settings.topic(topics.PUBLIC), expect=2,
                                 keys={number.encode()})
    assert len(published) == 2
    for record in published:
        assert NAME.encode() not in record.value and PHONE.encode() not in record.value
    assert json.loads(published[-1].value)["reply"].startswith("经核实，[姓名]")


async def _drained(db) -> None:
    """Wait until the consumer caught up: everything sent so far is in the inbox."""
    last = -1
    while True:
        seen = await db.fetchval("SELECT count(*) FROM publication.inbox")
        if seen == last:
            return
        last = seen
        await asyncio.sleep(1.5)


async def test_feed_pages_by_cursor(settings):
    t0 = datetime.now(UTC) - timedelta(days=3)
    numbers = [tracking_number() for _ in range(3)]
    async with running_service(SPEC, settings) as api:
        for number in numbers:
            await send(settings, accepted(uuid.uuid4(), number, t0))

        async def all_in_feed() -> bool:
            items = (await api.get("/v1/public/feed", params={"limit": 500})).json()["items"]
            return set(numbers) <= {i["tracking_number"] for i in items}
        await eventually(all_in_feed, what="three feed entries")

        seen, after = [], 0
        while True:
            page = (await api.get("/v1/public/feed", params={"after": after, "limit": 2})).json()
            if not page["items"]:
                assert page["next_after"] == after
                break
            assert len(page["items"]) <= 2
            seen += page["items"]
            after = page["next_after"]
        seqs = [i["seq"] for i in seen]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert set(numbers) <= {i["tracking_number"] for i in seen}
        assert all("contact" not in i and NAME not in json.dumps(i, ensure_ascii=False) for i in seen)
        assert (await api.get("/v1/public/feed", params={"limit": 501})).status_code == 422
        assert (await api.get("/v1/public/feed", params={"after": -1})).status_code == 422


async def test_private_appeals_are_not_listed_and_open_only_with_their_code(settings, db):
    appeal_id, number = uuid.uuid4(), tracking_number()
    t0 = datetime.now(UTC) - timedelta(days=2)
    code_hash = inquiry_hash(settings.pepper(), "ABCD2345")
    async with running_service(SPEC, settings) as api:
        await send(settings, *lifecycle(appeal_id, number, t0, private=True, code_hash=code_hash))

        async def stored() -> bool:
            return await db.fetchval("SELECT replied_at IS NOT NULL AND private FROM publication.public_appeals "
                                     "WHERE appeal_id = $1", appeal_id) is True
        await eventually(stored, what="the private appeal stored")

        unknown = await api.get(f"/v1/public/appeals/{tracking_number()}", headers={"X-Inquiry-Code": "ABCD2345"})
        without = await api.get(f"/v1/public/appeals/{number}")
        wrong = await api.get(f"/v1/public/appeals/{number}", headers={"X-Inquiry-Code": "ZZZZ9999"})
        assert unknown.status_code == without.status_code == wrong.status_code == 404
        assert unknown.json() == without.json() == wrong.json()

        right = await api.get(f"/v1/public/appeals/{number}", headers={"X-Inquiry-Code": "abcd-2345"})
        assert right.status_code == 200 and right.json()["status"] == "replied"
        assert NAME not in right.text and PHONE not in right.text
        by_post = await api.post(f"/v1/public/appeals/{number}/inquiry", json={"inquiry_code": "ABCD2345"})
        assert by_post.status_code == 200 and by_post.json()["tracking_number"] == number

        malformed = await api.get(f"/v1/public/appeals/{number}", headers={"X-Inquiry-Code": "<b>!</b>"})
        assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "X-Inquiry-Code"
        assert (await api.get("/v1/public/appeals/SY2026-bad")).status_code == 422

        listed = (await api.get("/v1/public/appeals", params={"page_size": 100})).json()["items"]
        assert number not in {i["tracking_number"] for i in listed}
        feed = (await api.get("/v1/public/feed", params={"limit": 500})).json()["items"]
        assert number not in {i["tracking_number"] for i in feed}
    published = await read_topic(settings.kafka_bootstrap, settings.topic(topics.PUBLIC), expect=1,
                                 keys={number.encode()}, timeout=3)
    assert published == []
