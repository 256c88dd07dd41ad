"""The replay's reader on the real broker: it reads each partition up to the end offset it had
when opened (what is written afterwards is the live consumer's), gives the facts a plain
consumer reading the same records gives, in the same order per appeal and event type, and reads exactly an
offset range even where it starts or ends inside a (compressed) record batch."""

import uuid
from collections import Counter, defaultdict

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.assessment.bench_events import event_stream
from services.assessment.entrypoint import CONSUMED_TOPICS
from services.assessment.replay_log import Log, fact_of_record
from shared.kafka.raw_log import read_ranges
from tests.integration.helpers import send


def stats() -> Counter[str]:
    return Counter({"seconds_fetching": 0, "seconds_decoding": 0})


async def consumer_facts(settings, ends: dict[TopicPartition, int]) -> dict:
    """The facts of every record before `ends`, read by a plain consumer, in order per appeal and
    event type: a type comes from one topic, so that is log order (the order between topics is
    the fetches', different for any two readers)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    by_appeal: dict = defaultdict(list)
    try:
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        pending = {tp for tp, end in ends.items() if end}
        while pending:
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                for record in records:
                    if record.offset < ends[tp] and (fact := fact_of_record(tp, record, stats())) is not None:
                        by_appeal[fact.appeal_id, fact.event_type].append(fact)
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return by_appeal


async def test_the_log_ends_where_it_ended_when_opened_and_gives_the_consumers_facts(settings):
    events = list(event_stream(700, seed=5))
    await send(settings, *events[:600])
    read = stats()
    async with Log(settings, CONSUMED_TOPICS) as log_:
        assert log_.events == 600
        await send(settings, *events[600:])   # written while the replay runs: not the replay's
        by_appeal: dict = defaultdict(list)
        async for batch in log_.facts(read):
            for fact in batch:
                by_appeal[fact.appeal_id, fact.event_type].append(fact)
        ends = log_.ends
    assert read["events"] == 600 and read["malformed"] == read["ignored"] == 0
    assert sum(map(len, by_appeal.values())) == 600
    assert by_appeal == await consumer_facts(settings, ends)
    later = {e.appeal_id for e in events[600:]} - {e.appeal_id for e in events[:600]}
    assert later and not later & {appeal for appeal, _ in by_appeal}, "an appeal first written after opening is not read"

    async with Log(settings, CONSUMED_TOPICS) as again:   # opened now, it reads them all
        assert again.events == 700
        assert sum([len(b) async for b in again.facts(stats())]) == 700


async def test_exactly_an_offset_range_even_inside_compressed_batches(settings):
    topic = settings.topic(f"raw-{uuid.uuid4().hex[:6]}")
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, compression_type="gzip", linger_ms=50)
    await producer.start()
    try:
        for n in range(3):   # three batches of ten records each, compressed
            for i in range(10):
                await producer.send(topic, str(n * 10 + i).encode(), headers=[("n", b"%d" % (n * 10 + i))])
            await producer.flush()
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=None)
    await consumer.start()
    try:
        consumer.assign([tp])
        consumer.pause(tp)
        assert (await consumer.end_offsets([tp]))[tp] == 30
        got = [(r.offset, r.value, list(r.headers))
               async for _, records in read_ranges(consumer, {tp: 5}, {tp: 25}) for r in records]
    finally:
        await consumer.stop()
    assert got == [(n, str(n).encode(), [("n", str(n).encode())]) for n in range(5, 25)]
