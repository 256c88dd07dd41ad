"""Kafka with identities: a broker of its own (`hotline stack up --secure`: TLS, SASL/SCRAM per
identity, StandardAuthorizer with the ACLs `hotline acls` derives from the topic registry) on
ports 19496-19497, beside the suite's plaintext broker. Each identity writes only its own
topics and reads only what its service consumes; a client without credentials, or with a wrong
password, gets nothing; and a real service (intake) runs with its own identity end to end."""

import asyncio
import json
import os
import shutil
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from hotline.acls import acls, apply, channel_principal, service_principal
from hotline.provision import create_topics
from hotline.stack import kafka
from hotline.stack.config import StackConfig
from hotline.stack.secure import SecureFiles
from shared.contracts import topics
from shared.kafka.security import client_options
from shared.settings import Settings

PORT, CONTROLLER_PORT = 19496, 19497


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory):
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is needed for the secure broker")  # CI's machine has it: a broken set-up
        pytest.skip("java is needed for the secure broker")
    state = tmp_path_factory.mktemp("secure-stack")
    config = StackConfig(state_dir=state, kafka_secure_port=PORT, kafka_secure_controller_port=CONTROLLER_PORT,
                         kafka_heap="256m")
    print(kafka.up(config, secure=True))
    try:
        yield SecureFiles(kafka.home_of(config, secure=True))
    finally:
        kafka.down(config, secure=True)


@pytest.fixture(scope="module")
def as_identity(secure_broker, settings):
    """Settings of an identity on the secure broker, on this module's database and topic prefix."""
    def make(principal: str) -> Settings:
        env = secure_broker.client_env(f"127.0.0.1:{PORT}", principal)
        return settings.model_copy(update={
            "kafka_bootstrap": env["HOTLINE_KAFKA_BOOTSTRAP"], "kafka_security_protocol": "SASL_SSL",
            "kafka_sasl_mechanism": "SCRAM-SHA-512", "kafka_sasl_username": principal,
            "kafka_sasl_password": Settings(env="test", kafka_sasl_password=env["HOTLINE_KAFKA_SASL_PASSWORD"]
                                            ).kafka_sasl_password,
            "kafka_ssl_cafile": env["HOTLINE_KAFKA_SSL_CAFILE"]})
    return make


@pytest.fixture(scope="module")
async def provisioned(as_identity):
    admin = as_identity("hotline-admin")
    await create_topics(admin)
    assert await apply(admin, acls(admin)) > 40
    return admin


async def _send(settings: Settings, topic: str) -> None:
    producer = AIOKafkaProducer(**client_options(settings), enable_idempotence=True, acks="all",
                                request_timeout_ms=10000)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic(topic), b"{}", key=b"k")
    finally:
        await producer.stop()


async def _read_one(settings: Settings, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(settings.topic(topic), **client_options(settings), group_id=settings.topic(group),
                                auto_offset_reset="earliest", enable_auto_commit=False)
    try:
        await consumer.start()
        await consumer.getmany(timeout_ms=3000)
        await consumer.commit()
    finally:
        await consumer.stop()


async def test_a_service_writes_its_own_topic_and_is_refused_on_one_it_does_not_own(provisioned, as_identity):
    routing = as_identity(service_principal("routing"))
    await _send(routing, topics.ROUTING)
    await _send(routing, topics.dead_letter_topic("routing"))
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(routing, topics.INTAKE)  # intake's events: only intake writes them
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(routing, topics.SUBMISSIONS)  # only channel adapters submit


async def test_a_service_reads_what_it_consumes_in_its_own_group_only(provisioned, as_identity):
    routing = as_identity(service_principal("routing"))
    await _read_one(routing, topics.INTAKE, "hotline-routing")
    with pytest.raises((TopicAuthorizationFailedError, KafkaError)):
        await _read_one(routing, topics.PUBLIC, "hotline-routing")  # routing does not consume the public feed
    with pytest.raises((GroupAuthorizationFailedError, KafkaError)):
        await _read_one(routing, topics.INTAKE, "hotline-sla")  # nor may it join sla's group


async def test_only_the_admin_creates_topics_and_a_refusal_says_so(provisioned, as_identity):
    from hotline.provision import TopicsRefused

    sla = as_identity(service_principal("sla")).model_copy(update={"topic_prefix": f"other-{uuid.uuid4().hex[:6]}."})
    with pytest.raises(TopicsRefused, match="hotline-admin"):
        await create_topics(sla)


async def test_a_channel_adapter_may_only_submit(provisioned, as_identity):
    phone = as_identity(channel_principal("phone"))
    await _send(phone, topics.SUBMISSIONS)
    with pytest.raises(TopicAuthorizationFailedError):
        await _send(phone, topics.UNIT_ACTIONS)
    with pytest.raises((TopicAuthorizationFailedError, KafkaError)):
        await _read_one(phone, topics.INTAKE, "phone-reader")  # nobody's contact data for a channel


async def test_no_credentials_or_a_wrong_password_get_nothing(provisioned, as_identity):
    routing = as_identity(service_principal("routing"))
    plaintext = routing.model_copy(update={"kafka_security_protocol": "PLAINTEXT"})
    with pytest.raises(KafkaError):
        await asyncio.wait_for(_send(plaintext, topics.ROUTING), 30)
    wrong = routing.model_copy(update={"kafka_sasl_password": Settings(env="test", kafka_sasl_password="guess"
                                                                       ).kafka_sasl_password})
    with pytest.raises(KafkaError):
        await asyncio.wait_for(_send(wrong, topics.ROUTING), 30)
    with pytest.raises(ValueError, match="HOTLINE_KAFKA_SASL_USERNAME"):  # says what to set
        client_options(routing.model_copy(update={"kafka_sasl_username": None}))


async def test_intake_runs_with_its_own_identity_end_to_end(provisioned, as_identity):
    """A channel submits as hotline-channel-web; intake (as hotline-intake: reads submissions,
    writes its events through the relay) accepts; routing's identity reads the outcome."""
    from services.intake.entrypoint import SPEC
    from shared.runtime import create_app

    intake = as_identity(service_principal("intake"))
    app = create_app(SPEC, intake)
    message_id = f"secure-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"channel": "web", "channel_message_id": message_id, "district": "和平区",
                       "description": "太原街一家超市乱收费，标价和结账价格不一致。",
                       "petitioner": {"name": "王建国", "phone": "13812345678"}}, ensure_ascii=False).encode()
    async with app.router.lifespan_context(app):
        web = as_identity(channel_principal("web"))
        producer = AIOKafkaProducer(**client_options(web), acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(web.topic(topics.SUBMISSIONS), body, key=message_id.encode())
        finally:
            await producer.stop()
        routing = as_identity(service_principal("routing"))
        consumer = AIOKafkaConsumer(routing.topic(topics.INTAKE), **client_options(routing),
                                    group_id=routing.topic("hotline-routing"), auto_offset_reset="earliest",
                                    enable_auto_commit=False)
        await consumer.start()
        try:
            seen = b""
            deadline = asyncio.get_running_loop().time() + 60
            while message_id.encode() not in seen and asyncio.get_running_loop().time() < deadline:
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    seen += b"".join(r.value for r in records)
        finally:
            await consumer.stop()
    assert message_id.encode() in seen, "intake's outcome event did not arrive"



async def test_the_assessment_replay_reads_the_log_as_assessment(provisioned, as_identity):
    """The replay's reader sends its own fetch requests (shared/kafka/raw_log.py): over TLS and
    SCRAM, with no more than assessment's identity may do (describe and read what it consumes)."""
    from collections import Counter

    from services.assessment.bench_events import event_stream
    from services.assessment.entrypoint import CONSUMED_TOPICS
    from services.assessment.replay_log import Log
    from tests.integration.helpers import record

    events = list(event_stream(60, seed=21))
    producer = AIOKafkaProducer(**client_options(provisioned), acks="all")  # the admin may write every topic
    await producer.start()
    try:
        for event in events:
            key, value, headers = record(event)
            await producer.send(provisioned.topic(event.topic), value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()
    stats = Counter(seconds_fetching=0.0, seconds_decoding=0.0)
    async with Log(as_identity(service_principal("assessment")), CONSUMED_TOPICS) as log_:
        facts = [fact async for batch in log_.facts(stats) for fact in batch]
    ours = {e.appeal_id for e in events}
    assert len([f for f in facts if f.appeal_id in ours]) == len(events)  # beside other tests' records
    assert stats["events"] == log_.events >= len(events)


@pytest.mark.slow  # five service processes beside the secure broker: two or three minutes
@pytest.mark.timeout(600)
def test_the_bench_runs_with_each_identity(provisioned, secure_broker, tmp_path, monkeypatch):
    """`hotline bench --secure` from start to end, small, against this module's secure broker,
    in a database and topic prefix of a kind of its own (the real command's kind, `bench`, would
    drop the stack's bench databases): the five services each as its own identity, the load as
    the phone channel's adapter, the watcher and the bare relays as the admin."""
    from hotline.bench.access import of_files
    from hotline.bench.run import _bench

    monkeypatch.setenv("HOTLINE_ENV", "development")  # as `hotline bench` sets it
    kind = f"benchsecure{uuid.uuid4().hex[:6]}"
    access = of_files(secure_broker, f"127.0.0.1:{PORT}", secure_broker.home / "kafka.pid")
    report = _bench(10, 2, 20, tmp_path / "bench.json", None, warmup=0, access=access, kind=kind)
    assert report.secure
    assert report.latency_ms["measured"] == 20, report.latency_ms
    assert report.complete == 20 and report.lost == 0, report
    assert report.ceiling_latency_ms["measured"] == 20 and report.ceiling_per_s > 0
    assert report.cpu_ms_per_appeal["kafka"] > 0, "the secure broker's CPU, not the plaintext one's"
    assert json.loads((tmp_path / "bench.json").read_text())["secure"] is True
