"""Intake's Kafka entrance against the real broker and database: once in effect, poison parked."""

import json
import uuid

import pytest

from services.intake.domain.sealing import open_sealed
from services.intake.entrypoint import SPEC
from shared.contracts import topics
from shared.contracts.events import SealedContact
from shared.metrics import CONSUMER_LAG
from shared.runtime import ServiceRuntime
from tests.integration.helpers import eventually, produce, read_topic

OTHER = {"name": "周红", "phone": "024-23456789"}


def submission(message_id: str, **overrides) -> bytes:
    body = {"channel": "web", "channel_message_id": message_id, "district": "和平区",
            "description": "太原街超市乱收费，标价和结账价格不一致。",
            "petitioner": {"name": "李明", "phone": "13912345678"}}
    body.update(overrides)
    return json.dumps(body, ensure_ascii=False).encode()


@pytest.fixture
async def intake(settings):
    runtime = ServiceRuntime(SPEC, settings)
    await runtime.open()
    await runtime.broker.start()
    await runtime.start_relay()
    yield runtime
    await runtime.close()


async def test_each_submission_is_accepted_once_and_poison_is_dead_lettered(intake, settings, db):
    run = uuid.uuid4().hex[:8]
    good, twin = f"{run}-good", f"{run}-twin"
    ce_id = str(uuid.uuid4()).encode()
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), [
        (f"{run}-k1".encode(), b"{not json", []),                                              # poison: not JSON
        (f"{run}-k2".encode(), submission(f"{run}-bad", district=17), []),                     # poison: wrong type
        (f"{run}-k3".encode(), submission(good), []),                                          # bare adapter record
        (f"{run}-k3".encode(), submission(good), []),                                          # the adapter retried
        # another petitioner (the same one with the same text would be merged: 并单)
        (f"{run}-k4".encode(), submission(twin, petitioner=OTHER), [("ce_id", ce_id)]),        # delivered twice,
        (f"{run}-k4".encode(), submission(twin, petitioner=OTHER), [("ce_id", ce_id)]),        # same event id
        (f"{run}-k5".encode(), submission(f"{run}-fire", description="楼道里着火了，火灾很严重"), []),
    ])

    async def decided() -> bool:
        n = await db.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id LIKE $1", f"{run}-%")
        return n == 3
    await eventually(decided, what="three decided submissions")

    rows = {r["channel_message_id"]: r for r in await db.fetch(
        "SELECT channel_message_id, status, refer_to FROM intake.appeals WHERE channel_message_id LIKE $1",
        f"{run}-%")}
    assert rows[good]["status"] == "accepted" and rows[twin]["status"] == "accepted"
    assert rows[f"{run}-fire"]["status"] == "rejected" and rows[f"{run}-fire"]["refer_to"] == "119"

    letters = await read_topic(settings.kafka_bootstrap, settings.topic(topics.dead_letter_topic("intake")),
                               expect=2, keys={f"{run}-k1".encode(), f"{run}-k2".encode()})
    reasons = {dict(r.headers)["hotline_dlq_reason"].decode(): r.value for r in letters}
    assert len(letters) == 2
    assert any("district" in reason for reason in reasons), reasons
    assert b"{not json" in reasons.values(), "the original bytes are kept"

    ids = await db.fetch("SELECT appeal_id FROM intake.appeals WHERE channel_message_id LIKE $1", f"{run}-%")
    events = await read_topic(settings.kafka_bootstrap, settings.topic(topics.INTAKE), expect=3,
                              keys={str(r["appeal_id"]).encode() for r in ids})
    types = sorted(dict(r.headers)["ce_type"].decode() for r in events)
    assert types == ["hotline.appeal.accepted.v1"] * 2 + ["hotline.appeal.rejected.v1"]
    for record in events:
        headers = dict(record.headers)
        assert record.key == headers["ce_subject"], "keyed by appeal id"
        body = json.loads(record.value)
        # Personal data leaves intake only sealed under the appeal's key (docs/personal-data.md).
        assert body.get("contact") is None
        assert "13912345678" not in json.dumps(body) and "李明" not in json.dumps(body, ensure_ascii=False)
        if headers["ce_type"] == b"hotline.appeal.accepted.v1":
            appeal_id = uuid.UUID(body["appeal_id"])
            key = await db.fetchval("SELECT data_key FROM intake.contact_keys WHERE appeal_id = $1", appeal_id)
            contact = open_sealed(key, appeal_id, SealedContact.model_validate(body["sealed_contact"]))
            assert contact.phone in ("13912345678", "02423456789") and contact.name in ("李明", "周红")
            assert body["name_tags"], "publication redacts the name with its keyed hashes"
        else:
            assert "sealed_contact" not in body


async def test_outbox_is_empty_once_relayed(intake, settings, db):
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS),
                  [(b"x", submission(f"relay-{uuid.uuid4().hex[:8]}"), [])])

    async def drained() -> bool:
        accepted = await db.fetchval("SELECT count(*) FROM intake.appeals")
        waiting = await db.fetchval("SELECT count(*) FROM intake.outbox")
        return accepted > 0 and waiting == 0
    await eventually(drained, what="the outbox to drain")
    lag = [s for m in CONSUMER_LAG.collect() for s in m.samples
           if s.labels["service"] == "intake" and s.labels["topic"] == settings.topic(topics.SUBMISSIONS)]
    assert lag and all(s.value >= 0 for s in lag), "the consumer reports its lag for autoscaling"
