"""The subscription glue in memory (TestKafkaBroker): poison records reach the dead-letter
topic with their reason and original bytes, and events of other services are ignored."""

from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.consumer import EventConsumer
from shared.contracts.events import AppealSigned
from shared.kafka.dead_letters import DeadLetterPublisher
from shared.kafka.producer import create_broker
from shared.kafka.subscription import subscribe
from shared.settings import Settings

ENTRANCE = "unit.entrance"  # written by outside parties; one payload type, ce_type optional
INTERNAL = "unit.internal"  # shared by services; every record carries ce_type
DEAD = "unit.deadletter"


class NoDatabase:
    """A unit-of-work factory that fails the test if the pipeline touches the database."""

    def __call__(self):
        raise AssertionError("no record here should reach the database")


@pytest.fixture
def broker():
    broker = create_broker(Settings(env="test"), "unit")
    handled: list = []

    async def on_signed(uow, envelope):
        handled.append(envelope)

    consumer = EventConsumer("unit", NoDatabase(), {AppealSigned: on_signed},
                             DeadLetterPublisher(broker, "unit", DEAD),
                             default_types={ENTRANCE: AppealSigned.event_type})
    subscribe(broker, consumer, [ENTRANCE, INTERNAL], group_id="unit")

    parked: list = []

    @broker.subscriber(DEAD, group_id="dead-reader")
    async def dead(message: KafkaMessage) -> None:
        parked.append(message.raw_message)

    broker.parked = parked
    return broker


@pytest.mark.parametrize(
    "topic, body, headers, reason",
    [
        (ENTRANCE, b"{not json", {}, "malformed"),
        (ENTRANCE, b'{"appeal_id": "nope", "unit_code": "SAMR", "signed_at": "2026-11-28T10:00:00Z"}', {},
         "appeal_id"),
        (ENTRANCE, b"", {}, "empty body"),
        (ENTRANCE, b"{}", {"ce_type": "hotline.appeal.teleported.v1"}, "unknown event type"),
        (ENTRANCE, b'{"appeal_id": "2f0c1f8e-6a43-4a4c-9a55-3c1f8c0e9b11", "closed_at": "2026-11-28T10:00:00Z"}',
         {"ce_type": "hotline.appeal.closed.v1"}, "not accepted"),
        (INTERNAL, b"{}", {}, "missing header ce_type"),
        (INTERNAL, b'{"unit_code": "SAMR"}', {"ce_type": "hotline.appeal.signed.v1"}, "appeal_id: Field required"),
    ],
)
async def test_poison_goes_to_the_dead_letter_topic_with_reason_and_bytes(broker, topic, body, headers, reason):
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body, topic, headers=headers, key=b"k")
    [record] = broker.parked
    parked_headers = {k: v.decode() for k, v in record.headers}
    assert record.value == body, "the original bytes are kept"
    assert reason in parked_headers["hotline_dlq_reason"]
    assert parked_headers["hotline_dlq_service"] == "unit"
    assert parked_headers["hotline_dlq_source"].startswith(topic + "/")


@pytest.mark.parametrize("kind", ["hotline.appeal.closed.v1", "hotline.appeal.closed.v2"])
async def test_other_services_and_newer_events_are_ignored_without_touching_the_database(broker, kind):
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b'{"whatever": 1}', INTERNAL, headers={"ce_type": kind}, key=b"k")
    assert broker.parked == []


def test_a_bootstrap_list_reaches_kafka_as_several_servers():
    """faststream would pass "a:1,b:2" on as one host name; a cluster's brokers must stay apart."""
    broker = create_broker(Settings(env="test", kafka_bootstrap="10.0.0.1:9092, 10.0.0.2:9092"), "unit")
    assert broker._connection_kwargs["bootstrap_servers"] == ["10.0.0.1:9092", "10.0.0.2:9092"]


class _Consumer:
    """Stands in for AIOKafkaConsumer.getmany: hands out the polls it was given, in order."""

    def __init__(self, *polls: dict) -> None:
        self.polls = list(polls)
        self.asked: list[Any] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict:
        self.asked.append((timeout_ms, max_records))
        return self.polls.pop(0)


async def test_a_poll_waits_in_kafka_and_never_sleeps_after_an_empty_one(monkeypatch):
    """faststream's own batch poll sleeps after an empty poll; a record arriving meanwhile
    waited up to 50 ms at every hop. Ours waits only inside getmany, which returns at once
    when a record arrives."""
    import anyio

    async def no_sleep(*_):
        raise AssertionError("an empty poll must not sleep")

    monkeypatch.setattr(anyio, "sleep", no_sleep)
    broker = create_broker(Settings(env="test"), "unit")
    consumer = EventConsumer("unit", NoDatabase(), {AppealSigned: lambda uow, e: None},
                             DeadLetterPublisher(broker, "unit", DEAD))
    subscribe(broker, consumer, [INTERNAL], group_id="unit", max_records=7)
    [subscriber] = broker.subscribers
    kafka = _Consumer({}, {"p0": ["r1", "r2"], "p1": ["r3"]})
    assert await subscriber.get_msg(kafka) == ()
    assert await subscriber.get_msg(kafka) == ("r1", "r2", "r3")
    assert kafka.asked == [(200, 7), (200, 7)]
