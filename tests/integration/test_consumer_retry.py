"""The batch subscriber against the real broker: a transient failure is read again, not lost;
a handler's permanent failure parks only that event; offsets move only after success."""

import asyncio
import contextlib
import uuid
from collections import Counter
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.consumer import EventConsumer, Rejected
from shared.contracts import topics
from shared.contracts.events import AppealSigned
from shared.kafka.dead_letters import DeadLetterPublisher
from shared.kafka.offsets import OffsetCommits
from shared.kafka.producer import create_broker
from shared.kafka.subscription import subscribe
from shared.unit_of_work import UnitOfWorkFactory
from tests.integration.helpers import eventually, produce, read_topic, record

SERVICE = "sla"


def signed(appeal: uuid.UUID) -> tuple[bytes, bytes, list]:
    return record(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=datetime.now(UTC)), "/test")


async def test_transient_failure_is_retried_and_poison_is_parked(settings):
    pool = await asyncpg.create_pool(settings.database_url, server_settings={"search_path": SERVICE})
    broker = create_broker(settings, "retry-test")
    appeals = [uuid.uuid4() for _ in range(6)]
    poison = appeals[3]
    calls: Counter = Counter()
    effects = f"effects_{uuid.uuid4().hex[:8]}"  # the handler's state change, rolled back with it
    await pool.execute(f"CREATE TABLE {effects} (appeal_id uuid NOT NULL)")

    async def handler(uow, envelope):
        calls[envelope.data.appeal_id] += 1
        await uow.conn.execute(f"INSERT INTO {effects} VALUES ($1)", envelope.data.appeal_id)
        if sum(calls.values()) == 2:  # the database "drops" once, mid-batch
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle")
        if envelope.data.appeal_id == poison:
            raise Rejected("appeal is unknown to this test")

    dead_letters = settings.topic(topics.dead_letter_topic(SERVICE))
    consumer = EventConsumer(SERVICE, UnitOfWorkFactory(pool, SERVICE), {AppealSigned: handler},
                             DeadLetterPublisher(broker, SERVICE, dead_letters))
    subscribe(broker, consumer, [settings.topic(topics.UNIT_ACTIONS)], group_id=f"retry-{uuid.uuid4()}")
    await broker.start()
    try:
        await produce(settings.kafka_bootstrap, settings.topic(topics.UNIT_ACTIONS), [signed(a) for a in appeals])

        async def done() -> bool:
            return await pool.fetchval(f"SELECT count(*) FROM {effects}") >= 5
        await eventually(done, what="the five good events to be applied")
        await asyncio.sleep(0.5)  # room for a wrong second application to show up
        applied = [r["appeal_id"] for r in await pool.fetch(f"SELECT appeal_id FROM {effects}")]
        await pool.execute(f"DROP TABLE {effects}")
    finally:
        await broker.stop()
        await pool.close()

    assert sorted(applied, key=appeals.index) == [a for a in appeals if a != poison], "each once"
    assert sum(calls.values()) > len(appeals), "the failed attempt really happened and was retried"
    parked = [r for r in await read_topic(settings.kafka_bootstrap, dead_letters, expect=1)
              if r.key == str(poison).encode()]
    assert len(parked) == 1
    assert dict(parked[0].headers)["hotline_dlq_reason"] == b"appeal is unknown to this test"


@contextlib.asynccontextmanager
async def _admin(settings):
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def _committed(settings, group: str, topic: str) -> int:
    """Records of `topic` the group has committed, over all partitions (Kafka's own view)."""
    async with _admin(settings) as admin:
        offsets = await admin.list_consumer_group_offsets(group)
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


async def test_offsets_are_committed_on_an_interval_at_once_after_a_dead_letter_and_at_shutdown(settings):
    """Batches are not each followed by a commit; what was processed is committed within the
    interval, at once when something was parked (so a restart does not park it twice), and
    when the service stops."""
    bad = uuid.uuid4()
    commits = OffsetCommits(SERVICE, interval=60)
    async with _consumer_of_a_new_topic(settings, commits, reject=bad) as (topic, group, applied):

        async def committed_at_least(count: int) -> bool:
            return await _committed(settings, group, topic) >= count

        async def applied_at_least(count: int) -> bool:
            return len(applied) >= count

        async def a_batch_awaits_its_commit() -> bool:
            return bool(commits.uncommitted)

        await produce(settings.kafka_bootstrap, topic, [signed(uuid.uuid4()) for _ in range(3)])
        await eventually(lambda: applied_at_least(3), what="the three events to be applied")
        await asyncio.sleep(1.0)
        assert await _committed(settings, group, topic) == 0, "no commit before the interval"

        await produce(settings.kafka_bootstrap, topic, [signed(bad)])
        await eventually(lambda: committed_at_least(4), what="the commit after parking")
        applied.clear()
        await produce(settings.kafka_bootstrap, topic, [signed(uuid.uuid4())])
        await eventually(a_batch_awaits_its_commit, what="the last batch to be done")
        assert len(applied) == 1
        await commits.close()  # what the runtime does before stopping the broker
        assert await _committed(settings, group, topic) == 5, "shutdown commits what was processed"

        # A batch that ends after that (the broker lets the one in hand finish) is committed at
        # once, not by a background commit that would outlive the consumer (the interval is 60 s).
        await produce(settings.kafka_bootstrap, topic, [signed(uuid.uuid4())])
        await eventually(lambda: committed_at_least(6), timeout=15, what="a batch after close committed at once")


async def test_a_slow_offset_commit_does_not_hold_up_the_next_batch(settings, monkeypatch):
    """The interval's commit waits for the group coordinator in the background: appeals keep
    flowing meanwhile, and what they did is committed after it."""
    held, committing = asyncio.Event(), asyncio.Event()
    coordinator_commit = AIOKafkaConsumer.commit

    async def held_commit(self, offsets=None):
        committing.set()
        await held.wait()
        return await coordinator_commit(self, offsets)

    monkeypatch.setattr(AIOKafkaConsumer, "commit", held_commit)
    commits = OffsetCommits(SERVICE, interval=0.1)
    async with _consumer_of_a_new_topic(settings, commits) as (topic, group, applied):

        async def applied_at_least(count: int) -> bool:
            return len(applied) >= count

        async def commit_started() -> bool:
            return committing.is_set()

        async def committed_at_least(count: int) -> bool:
            return await _committed(settings, group, topic) >= count

        try:
            await produce(settings.kafka_bootstrap, topic, [signed(uuid.uuid4())])
            await eventually(commit_started, what="the first batch's commit to start")
            await produce(settings.kafka_bootstrap, topic, [signed(uuid.uuid4())])
            await eventually(lambda: applied_at_least(2), timeout=10, what="the next batch while the commit waits")
            assert await _committed(settings, group, topic) == 0, "the coordinator has not answered yet"
            held.set()
            await eventually(lambda: committed_at_least(2), timeout=10, what="both batches committed after")
        finally:
            held.set()  # before the consumer stops: its commit at shutdown goes through this one


async def test_a_service_whose_topic_was_deleted_still_stops(settings):
    """An operator deleted a live topic: aiokafka retries the offset commit for its partitions
    without end, and the service did not stop on SIGTERM. Shutdown gives the commit a bound; the
    records are read again (and skipped) by whoever consumes a topic of that name later."""
    commits = OffsetCommits(SERVICE, interval=60, commit_timeout=2.0)
    async with _consumer_of_a_new_topic(settings, commits) as (topic, _group, applied):

        async def batch_awaits_its_commit() -> bool:
            return bool(applied) and bool(commits.uncommitted)

        await produce(settings.kafka_bootstrap, topic, [signed(uuid.uuid4())])
        await eventually(batch_awaits_its_commit, what="the batch to be applied, its commit pending")
        await _delete_topic(settings, topic)
        started = asyncio.get_running_loop().time()
        await asyncio.wait_for(commits.close(), timeout=20)
        assert asyncio.get_running_loop().time() - started < 10, "the commit at shutdown is bounded"


@contextlib.asynccontextmanager
async def _consumer_of_a_new_topic(settings, commits: OffsetCommits, *, reject: uuid.UUID | None = None):
    """A running consumer of AppealSigned on a new two-partition topic, committing through
    `commits`: yields (topic, group, the appeal ids it applied, in order). Its handler refuses
    the appeal `reject` (dead-lettered). Stopping it is bounded, so a hang fails the test."""
    pool = await asyncpg.create_pool(settings.database_url, server_settings={"search_path": SERVICE})
    broker = create_broker(settings, "commit-test")
    topic, group = settings.topic(f"commit-test-{uuid.uuid4().hex[:8]}"), f"commits-{uuid.uuid4()}"
    await _create_topic(settings, topic)
    applied: list[uuid.UUID] = []

    async def handler(uow, envelope):
        if envelope.data.appeal_id == reject:
            raise Rejected("appeal is unknown to this test")
        applied.append(envelope.data.appeal_id)

    consumer = EventConsumer(SERVICE, UnitOfWorkFactory(pool, SERVICE), {AppealSigned: handler},
                             DeadLetterPublisher(broker, SERVICE, settings.topic(topics.dead_letter_topic(SERVICE))))
    subscribe(broker, consumer, [topic], group_id=group, commits=commits)
    await broker.start()
    try:
        yield topic, group, applied
    finally:
        await asyncio.wait_for(broker.stop(), timeout=20)
        await pool.close()


async def _delete_topic(settings, name: str) -> None:
    async with _admin(settings) as admin:
        await admin.delete_topics([name])


async def _create_topic(settings, name: str) -> None:
    async with _admin(settings) as admin:
        await admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])
