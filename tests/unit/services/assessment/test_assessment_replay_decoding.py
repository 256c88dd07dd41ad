"""The replay's fast decoding gives, record for record, the fact the live consumer stores (or
none where the live consumer dead-letters or ignores the record), and keeps the first fact of
an identity in log order, as the table's primary key does."""

import random
import uuid
from collections import Counter
from datetime import datetime, timedelta

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from services.assessment import replay, replay_log
from services.assessment.bench_events import event_stream
from services.assessment.domain.facts import fact_of, problem_with
from shared.contracts import events as ev
from shared.contracts.envelope import Envelope, MalformedEvent, decode_headers, open_envelope


def kafka_record(value: bytes | None, headers: dict[str, bytes], offset: int = 0) -> ConsumerRecord:
    return ConsumerRecord(topic="t", partition=0, offset=offset, timestamp=0, timestamp_type=0, key=None,
                          value=value, checksum=None, serialized_key_size=0, serialized_value_size=0,
                          headers=list(headers.items()))


def as_logged(payload: ev.Event, **override: bytes | None) -> ConsumerRecord:
    envelope = Envelope.wrap(payload, source="/hotline/test")
    headers = {k: v.encode() for k, v in envelope.headers().items()}
    value = override.pop("value", envelope.body())
    for name, raw in override.items():
        if raw is None:
            headers.pop(name, None)
        else:
            headers[name] = raw
    return kafka_record(value, headers)


def live_fact(record: ConsumerRecord):
    """What the live consumer (shared/consumer.py, then handlers.py) makes of the record."""
    try:
        headers = decode_headers(record.headers)
        if headers.get("ce_type") not in replay_log.HANDLED:
            return "ignored"
        envelope = open_envelope(headers, record.value, position=f"{record.topic}/{record.partition}/{record.offset}")
    except MalformedEvent:
        return "dead-lettered"
    fact = fact_of(envelope.data, envelope.id, envelope.type)
    if fact is not None and problem_with(fact):
        return "dead-lettered"
    return fact


def replayed_fact(record: ConsumerRecord):
    stats: Counter[str] = Counter()
    fact = replay_log.fact_of_record(TopicPartition(record.topic, record.partition), record, stats)
    if fact is not None:
        return fact
    return "ignored" if stats["ignored"] else "dead-lettered"


def test_every_generated_event_gives_the_live_fact():
    for payload in event_stream(3000, seed=7):
        record = as_logged(payload)
        assert replayed_fact(record) == live_fact(record), payload


SIGNED = ev.AppealSigned(appeal_id=uuid.uuid4(), unit_code="SAMR", signed_at=datetime.fromisoformat("2026-03-02T10:00+08:00"))


@pytest.mark.parametrize("override", [
    {"ce_id": b"{6f1c9a52-3b0e-4c55-9d7e-12345a6b0e6f}"},           # a form only uuid.UUID reads
    {"ce_id": b"urn:uuid:6f1c9a52-3b0e-4c55-9d7e-12345a6b0e6f"},
    {"ce_id": b"6f1c9a523b0e4c559d7e12345a6b0e6f"},
    {"ce_id": b"not-a-uuid"},
    {"ce_id": None},                                                 # id derived from the position
    {"ce_time": b"yesterday"},
    {"ce_time": None},
    {"ce_type": b"hotline.appeal.unknown.v9"},
    {"ce_type": None},
    {"ce_source": b"\xff\xfe"},                                      # a header that is not UTF-8
    {"value": b""},
    {"value": b"{not json"},
    {"value": b'{"appeal_id": "6f1c9a52-3b0e-4c55-9d7e-12345a6b0e6f", "unit_code": "SAMR"}'},
    {"value": b'{"appeal_id": "6f1c9a52-3b0e-4c55-9d7e-12345a6b0e6f", "unit_code": "SAMR", '
              b'"signed_at": "2026-03-02T10:00:00"}'},               # no time zone
])
def test_odd_records_are_judged_as_the_live_consumer_judges_them(override):
    record = as_logged(SIGNED, **override)
    assert replayed_fact(record) == live_fact(record)


def test_the_first_fact_of_an_identity_is_kept_in_log_order():
    rng = random.Random(3)
    payloads = list(event_stream(500, seed=11))
    first = [fact_of(p, uuid.uuid4(), p.event_type) for p in payloads]
    again = [f._replace(event_id=uuid.uuid4()) for f in rng.sample(first[:300], 100)]  # redelivered, new ids
    appeals = replay._Appeals()
    assert appeals.new(first[:300]) == first[:300]
    assert appeals.new(again + first[300:]) == first[300:]
    kept = {f.event_id for facts in appeals.by_appeal.values() for f in facts.values()}
    assert kept == {f.event_id for f in first}


def test_working_days_are_counted_the_same_with_the_cache():
    from services.assessment.domain.workdays import is_workday, working_days_after
    start = datetime.fromisoformat("2026-09-25T23:30+08:00")
    for days in range(40):
        end = start + timedelta(days=days, hours=3)
        first, last = start.date(), end.date()
        expected = sum(1 for n in range(1, (last - first).days + 1) if is_workday(first + timedelta(days=n)))
        assert working_days_after(start, end) == expected


def test_a_character_split_across_two_headers_is_refused_as_live():
    record = as_logged(SIGNED)
    headers = [*record.headers, ("x-a", "中".encode()[:1]), ("x-b", "中".encode()[1:])]
    split = kafka_record(record.value, dict(headers))
    assert live_fact(split) == replayed_fact(split) == "dead-lettered"
