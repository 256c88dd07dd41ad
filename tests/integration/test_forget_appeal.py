"""Personal data that can be forgotten (issue 24): after intake forgets a petitioner, nothing of
them is left in any schema, on any long-lived topic (the sealed copies no longer open), or in
the read models rebuilt from the log - while another petitioner's contact still reaches the
unit that handles their appeal. Real Kafka and PostgreSQL, the five services in this process.
"""

import contextlib
import json
import os
import random
import subprocess
import sys
import uuid
from datetime import timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from hotline.provision import create_topics
from services.assessment.entrypoint import SPEC as ASSESSMENT
from services.assessment.replay import replay as replay_assessment
from services.intake.domain.sealing import Unopenable, open_sealed
from services.intake.entrypoint import SPEC as INTAKE
from services.intake.handlers.forgetting import forget_due
from services.publication.entrypoint import SPEC as PUBLICATION
from services.publication.replay import replay as replay_publication
from services.routing.entrypoint import SPEC as ROUTING
from services.sla.entrypoint import SPEC as SLA
from shared.contracts import topics
from shared.contracts.events import AppealClosed, SealedContact
from shared.contracts.topics import SUBMISSIONS_RETENTION_MS, TOPICS
from shared.kafka.partitions import topic_partitions
from tests.integration.helpers import eventually, produce, read_topic, send
from tests.support import bearer, channel_bearer, running_service

pytestmark = pytest.mark.slow  # five services and two replays: about a minute on a quiet machine

SCHEMAS = ("intake", "routing", "sla", "publication", "assessment", "workbench")


def petitioner(name: str, address: str) -> dict:
    """A petitioner with a phone no other test uses, so a hit can only be theirs."""
    phone = "139" + "".join(random.choices("0123456789", k=8))
    return {"name": name, "phone": phone, "address": address}


def submission(message_id: str, person: dict, channel: str = "app") -> dict:
    # The appeal text names neither the petitioner nor their address: free text is the
    # petitioner's own account, on the log for ever (docs/personal-data.md says so).
    return {"channel": channel, "channel_message_id": message_id, "district": "和平区",
            "description": "太原街超市乱收费，标价和结账价格不一致，要求退还差价。",
            "address": person["address"], "petitioner": {"name": person["name"], "phone": person["phone"]}}


def needles(person: dict) -> list[str]:
    return [person["name"], person["phone"], person["address"]]


async def found_in_schemas(db: asyncpg.Connection, person: dict, schemas=SCHEMAS) -> list[str]:
    """Every table of `schemas` whose rows, as JSON text (every column), hold one of the values."""
    tables = await db.fetch("SELECT table_schema, table_name FROM information_schema.tables "
                            "WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'", list(schemas))
    assert len(tables) >= 6 * len(schemas), "the scan must see every table of the schemas"
    hits = []
    for t in tables:
        for value in needles(person):
            count = await db.fetchval(
                f'SELECT count(*) FROM "{t["table_schema"]}"."{t["table_name"]}" x '
                "WHERE strpos(row_to_json(x)::text, $1) > 0 OR strpos(row_to_json(x)::text, $2) > 0",
                value, json.dumps(value)[1:-1])
            if count:
                hits.append(f"{t['table_schema']}.{t['table_name']}: {value}")
    return hits


async def read_all(settings, topic: str) -> list:
    """Every record of a topic from its beginning to its current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = await topic_partitions(settings, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list = []
        async def behind() -> bool:
            return any([await consumer.position(p) < ends[p] for p in partitions])
        while await behind():
            for tp, batch in (await consumer.getmany(timeout_ms=500)).items():
                records.extend(r for r in batch if r.offset < ends[tp])
        return records
    finally:
        await consumer.stop()


def holds(record, person: dict) -> bool:
    raw = (record.value or b"") + b"".join(v for _, v in record.headers or ())
    return any(value.encode() in raw or json.dumps(value).encode()[1:-1] in raw for value in needles(person))


async def broker_retention(settings, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        answer = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, settings.topic(topic))])
        entries = answer[0].to_object()["resources"][0]["config_entries"]
        return int(next(e["config_value"] for e in entries if e["config_names"] == "retention.ms"))
    finally:
        await admin.close()


async def test_a_forgotten_petitioner_is_gone_everywhere_and_the_other_still_reaches_their_unit(settings, db):
    run = uuid.uuid4().hex[:8]
    forgotten = petitioner("柏青桐", "和平区南京南街一段九号院")
    kept = petitioner("邬晓岚", "和平区太原南街七号院")
    async with contextlib.AsyncExitStack() as services:
        intake = await services.enter_async_context(running_service(INTAKE, settings))
        routing = await services.enter_async_context(running_service(ROUTING, settings))
        await services.enter_async_context(running_service(SLA, settings))
        readers = contextlib.AsyncExitStack()  # the read models, stopped before their replay
        await services.enter_async_context(readers)
        for spec in (PUBLICATION, ASSESSMENT):
            await readers.enter_async_context(running_service(spec, settings))

        # One through the channel adapters' topic, one through the HTTP entrance.
        await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS),
                      [(f"{run}-a".encode(), json.dumps(submission(f"{run}-a", forgotten, "phone"),
                                                         ensure_ascii=False).encode(), [])])
        answer = await intake.post("/v1/appeals", json=submission(f"{run}-b", kept),
                                   headers=channel_bearer(settings, "app"))
        assert answer.status_code == 201, answer.text
        b = uuid.UUID(answer.json()["appeal_id"])

        async def accepted_a() -> bool:
            return await db.fetchval("SELECT appeal_id FROM intake.appeals WHERE channel_message_id = $1",
                                     f"{run}-a") is not None
        await eventually(accepted_a, what="the Kafka submission decided")
        a = await db.fetchval("SELECT appeal_id FROM intake.appeals WHERE channel_message_id = $1", f"{run}-a")

        async def dispatched() -> bool:
            return await db.fetchval(
                "SELECT count(*) FROM intake.appeals WHERE appeal_id = ANY($1) AND lead_unit IS NOT NULL", [a, b]) == 2 \
                and await db.fetchval("SELECT count(*) FROM publication.public_appeals WHERE appeal_id = ANY($1) "
                                      "AND dispatched_at IS NOT NULL", [a, b]) == 2 \
                and await db.fetchval("SELECT count(*) FROM assessment.inbox") > 0
        await eventually(dispatched, timeout=60, what="both appeals dispatched and known downstream")
        lead = await db.fetchval("SELECT unit_code FROM routing.transfers WHERE appeal_id = $1", b)
        assert lead == await db.fetchval("SELECT lead_unit FROM intake.appeals WHERE appeal_id = $1", b)

        # The unit replies to the other petitioner by name: publication redacts it with the name's
        # tags intake sent (it never sees the name), and keeps them through the replay below.
        unit_actions = f"/v1/units/{lead}/appeals/{b}"
        for action, body in (("sign", {}), ("reply", {"reply": f"{kept['name']}女士您好，经核查已责令商户整改。"})):
            done = await routing.post(f"{unit_actions}/{action}", json={"action_id": f"{run}-{action}", **body},
                                      headers=bearer(settings, "unit", lead))
            assert done.status_code < 300, done.text

        async def redacted_reply() -> bool:
            reply = await db.fetchval("SELECT reply FROM publication.public_appeals WHERE appeal_id = $1", b)
            return reply is not None and kept["name"] not in reply and "[姓名]" in reply
        await eventually(redacted_reply, what="the reply in publication, the name redacted")

        # Before: the lead unit reads the contact at intake; to another unit it does not exist; it was stored.
        unit = bearer(settings, "unit", lead)
        seen = await intake.get(f"/v1/appeals/{a}/contact", headers=unit)
        assert seen.status_code == 200 and seen.json()["phone"] == forgotten["phone"]
        assert (await intake.get(f"/v1/appeals/{a}/contact", headers=bearer(settings, "unit", "NOT-" + lead[:20]))
                ).status_code == 404
        assert await found_in_schemas(db, forgotten), "the scan finds a petitioner who is there"

        # Forget one at once (an admin's request); the second time says it was done already.
        done = await intake.post(f"/v1/appeals/{a}/forget", json={"note": "petitioner's request"},
                                 headers=bearer(settings, "admin"))
        assert done.status_code == 200 and done.json()["already"] is False, done.text
        again = await intake.post(f"/v1/appeals/{a}/forget", headers=bearer(settings, "admin"))
        assert again.json()["already"] is True
        assert (await intake.post(f"/v1/appeals/{a}/forget", headers=unit)).status_code == 403

        told = await read_topic(settings.kafka_bootstrap, settings.topic(topics.INTAKE), expect=1,
                                match=lambda r: r.key == str(a).encode()
                                and dict(r.headers)["ce_type"] == b"hotline.appeal.contact-forgotten.v1")
        assert len(told) == 1, "forgotten once, announced once"
        event_id = uuid.UUID(dict(told[0].headers)["ce_id"].decode())

        async def dropped_downstream() -> bool:
            return await db.fetchval("SELECT count(*) FROM routing.inbox WHERE event_id = $1", event_id) == 1 \
                and await db.fetchval("SELECT cardinality(name_tags) FROM publication.public_appeals "
                                      "WHERE appeal_id = $1", a) == 0
        await eventually(dropped_downstream, what="routing and publication applying AppealContactForgotten")
        assert (await intake.get(f"/v1/appeals/{a}/contact", headers=unit)).status_code == 410

        # Every schema: nothing of the forgotten petitioner; the other is still in intake.
        assert await found_in_schemas(db, forgotten) == []
        assert any(hit.startswith("intake.appeals") for hit in await found_in_schemas(db, kept))

        # The read models rebuilt from the log, with their services stopped (`hotline replay`).
        await readers.aclose()
        assert (await replay_publication(settings)) > 0
        assert (await replay_assessment(settings))["events"] > 0
        assert await found_in_schemas(db, forgotten, ("publication", "assessment")) == []
        rebuilt = {r["appeal_id"]: r for r in await db.fetch(
            "SELECT appeal_id, name_tags, summary FROM publication.public_appeals WHERE appeal_id = ANY($1)", [a, b])}
        assert rebuilt[a]["name_tags"] == [], "the forgetting replays after the acceptance"
        assert rebuilt[b]["name_tags"], "the other petitioner's name is still redacted in later replies"
        assert rebuilt[a]["summary"], "the appeal itself stays public"
        replied = await db.fetchval("SELECT reply FROM publication.public_appeals WHERE appeal_id = $1", b)
        assert kept["name"] not in replied and "[姓名]" in replied, "redacted again from the log's tags"

        # The other petitioner still reaches their unit.
        other = await intake.get(f"/v1/appeals/{b}/contact", headers=unit)
        assert other.status_code == 200 and other.json()["phone"] == kept["phone"]

    # Every topic read back from its beginning.
    keys = {r["appeal_id"]: bytes(r["data_key"]) for r in await db.fetch("SELECT * FROM intake.contact_keys")}
    assert a not in keys and b in keys
    opened = {}
    for topic in TOPICS:
        records = await read_all(settings, settings.topic(topic.name))
        with_it = [r for r in records if holds(r, forgotten)]
        if topic.retention_ms < 0:
            assert with_it == [], f"{topic.name} keeps the forgotten petitioner for ever"
        else:
            # Short-lived: the channels' submissions, the SMS notifications, dead letters.
            assert topic.retention_ms <= 30 * 24 * 3600 * 1000, topic.name
        if topic.name == topics.INTAKE:
            for r in records:
                body = json.loads(r.value)
                if body.get("sealed_contact"):
                    opened[uuid.UUID(body["appeal_id"])] = SealedContact.model_validate(body["sealed_contact"])
    assert await broker_retention(settings, topics.SUBMISSIONS) == SUBMISSIONS_RETENTION_MS
    assert set(opened) >= {a, b}
    assert open_sealed(keys[b], b, opened[b]).phone == kept["phone"]
    for key in keys.values():  # the forgotten appeal's key is gone, and no other key opens it
        with pytest.raises(Unopenable):
            open_sealed(key, a, opened[a])


async def test_the_retention_rule_forgets_finished_appeals_only(settings, db):
    run = uuid.uuid4().hex[:8]
    people = {k: petitioner(n, f"和平区北五马路{i}号院") for i, (k, n) in
              enumerate((("closed", "甄子规"), ("open", "闵若溪"), ("rejected", "阙和风")))}
    async with running_service(INTAKE, settings, headers=channel_bearer(settings, "app")) as intake:
        ids = {}
        for kind, person in people.items():
            body = submission(f"{run}-{kind}", person)
            if kind == "rejected":
                body["description"] = "楼下着火了，火很大，快来人！"
            answer = await intake.post("/v1/appeals", json=body)
            assert answer.status_code in (200, 201), answer.text
            ids[kind] = uuid.UUID(answer.json()["appeal_id"])
        assert await db.fetchval("SELECT status FROM intake.appeals WHERE appeal_id = $1", ids["rejected"]) == "rejected"
        now = intake.app.state.context.clock.now()
        await send(settings, AppealClosed(appeal_id=ids["closed"], closed_at=now))

        async def closed() -> bool:
            return await db.fetchval("SELECT handling FROM intake.appeals WHERE appeal_id = $1", ids["closed"]) == "closed"
        await eventually(closed, what="intake learning that routing closed the appeal")

        units_of_work = intake.app.state.context.units_of_work
        assert await forget_due(units_of_work, now + timedelta(days=179), 180) == 0, "not before the period ends"
        assert await forget_due(units_of_work, now + timedelta(days=181), 180) == 2
        assert await forget_due(units_of_work, now + timedelta(days=181), 180) == 0, "once"

    state = {r["appeal_id"]: r for r in await db.fetch(
        "SELECT a.appeal_id, a.contact_forgotten_at, k.appeal_id IS NOT NULL AS has_key, f.reason "
        "FROM intake.appeals a LEFT JOIN intake.contact_keys k USING (appeal_id) "
        "LEFT JOIN intake.contact_forgettings f USING (appeal_id) WHERE a.appeal_id = ANY($1)", list(ids.values()))}
    assert state[ids["open"]]["contact_forgotten_at"] is None and state[ids["open"]]["has_key"]
    for kind in ("closed", "rejected"):
        assert state[ids[kind]]["contact_forgotten_at"] is not None and not state[ids[kind]]["has_key"]
        assert state[ids[kind]]["reason"] == "retention"
        assert await found_in_schemas(db, people[kind], ("intake",)) == []
    assert await found_in_schemas(db, people["open"], ("intake",))
    # Only the accepted appeal's contact ever left intake: only its forgetting is told the others.
    told = await read_topic(settings.kafka_bootstrap, settings.topic(topics.INTAKE), expect=1,
                            keys={str(ids[k]).encode() for k in ids},
                            match=lambda r: dict(r.headers)["ce_type"] == b"hotline.appeal.contact-forgotten.v1"
                            and r.key in {str(ids[k]).encode() for k in ids})
    assert [r.key for r in told] == [str(ids["closed"]).encode()]


async def test_topics_created_before_the_change_get_the_registrys_retention(settings):
    """An existing deployment's submissions topic (kept for ever) drops to 7 days on `hotline topics`,
    and a topic's other settings stay."""
    old = settings.model_copy(update={"topic_prefix": f"old-{uuid.uuid4().hex[:6]}."})
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(old.topic(topics.SUBMISSIONS), 1, 1,
                                            topic_configs={"retention.ms": "-1", "max.message.bytes": "2000000"})])

        async def known() -> bool:  # as an existing deployment's topic is
            answer = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, old.topic(topics.SUBMISSIONS))])
            return answer[0].to_object()["resources"][0]["error_code"] == 0
        await eventually(known, what="the old topic known to the broker")
        created = await create_topics(old)
        assert old.topic(topics.SUBMISSIONS) not in created and len(created) == len(TOPICS) - 1

        async def values() -> dict[str, str]:
            entries = (await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, old.topic(topics.SUBMISSIONS))])
                       )[0].to_object()["resources"][0]["config_entries"]
            return {e["config_names"]: e["config_value"] for e in entries}

        async def aligned() -> bool:  # a change of settings reaches the broker asked in a moment
            return (await values())["retention.ms"] == str(SUBMISSIONS_RETENTION_MS)
        await eventually(aligned, timeout=15, what="the registry's retention on the old topic")
        assert (await values())["max.message.bytes"] == "2000000", "the topic's other settings are kept"
        assert await create_topics(old) == [], "a second run changes nothing"
    finally:
        await admin.delete_topics([t for t in await admin.list_topics() if t.startswith(old.topic_prefix)])
        await admin.close()


async def test_hotline_forget_from_the_command_line(settings, db):
    """`hotline forget APPEAL_ID` with intake stopped: done in intake's schema, announced by its
    outbox once intake runs again; a wrong id or a held appeal is refused with the reason."""
    person = petitioner("殷若愚", "和平区中华路三段二号院")
    async with running_service(INTAKE, settings, headers=channel_bearer(settings, "app")) as intake:
        answer = await intake.post("/v1/appeals", json=submission(f"cli-{uuid.uuid4().hex[:8]}", person))
        assert answer.status_code == 201, answer.text
    appeal_id = uuid.UUID(answer.json()["appeal_id"])
    env = {**os.environ, "HOTLINE_ENV": "test", "HOTLINE_DATABASE_URL": settings.database_url,
           "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "HOTLINE_TOPIC_PREFIX": settings.topic_prefix}

    def hotline(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hotline.cli", "forget", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    done = hotline(str(appeal_id), "--note", "asked on the phone")
    assert done.returncode == 0 and "forgotten at" in done.stdout, done.stderr
    assert "already forgotten" in hotline(str(appeal_id)).stdout
    refused = hotline(str(uuid.uuid4()))
    assert refused.returncode != 0 and "no appeal" in refused.stderr and "Traceback" not in refused.stderr
    assert "one of them" in hotline().stderr
    assert await found_in_schemas(db, person, ("intake",)) == []
    announced = await db.fetch("SELECT headers->>'ce_type' AS type FROM intake.outbox WHERE key = $1",
                               str(appeal_id).encode())
    assert [r["type"] for r in announced] == ["hotline.appeal.contact-forgotten.v1"]
    by = await db.fetchval("SELECT requested_by FROM intake.contact_forgettings WHERE appeal_id = $1", appeal_id)
    assert by.startswith("cli:")
