"""Intake's submissions in runs (one batch-handler call for many) against the real database:
each submission sees the ones before it as if they had been committed one by one, a channel
message twice in a run is applied once, a bad submission is dead-lettered alone, and a run
costs the same few statements however long it is."""

import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from services.intake.handlers import accept_submission, handlers_for
from shared.consumer import DeadLetter, EventConsumer
from shared.contracts import topics
from shared.contracts.events import SubmitAppeal
from shared.runtime import ServiceContext
from shared.unit_of_work import UnitOfWorkFactory
from tests.integration.helpers import eventually

FIRST = "太原街超市乱收费，标价和结账价格不一致。"
REPHRASED = "太原街那家超市又乱收费了，标价和结账的价格不一样"
OTHER_PROBLEM = "中街一家服装店标价模糊，结账时多收钱"

# Records without ce_id get an id derived from their position: unique offsets keep the
# tests of this module from looking like redeliveries of one another.
_OFFSETS = itertools.count()


@dataclass
class Intake:
    consumer: EventConsumer
    pool: asyncpg.Pool
    topic: str
    letters: list[DeadLetter] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)

    async def process(self, bodies: list[dict]) -> list[int]:
        """Hand the bodies to the consumer as one Kafka batch; their offsets, in order."""
        offsets = [next(_OFFSETS) for _ in bodies]
        await self.consumer.process([self._record(b, offset) for b, offset in zip(bodies, offsets, strict=True)])
        return offsets

    def _record(self, body: dict, offset: int) -> ConsumerRecord:
        value = json.dumps(body, ensure_ascii=False).encode()
        return ConsumerRecord(self.topic, 0, offset, 0, 0, body["channel_message_id"].encode(), value, None, 0,
                              len(value), [])

    async def outcomes(self, message_ids: list[str]) -> list[tuple[str, int | None]]:
        """(status, index of the appeal it was merged into) for each message id, in order."""
        rows = {r["channel_message_id"]: r for r in await self.pool.fetch(
            """SELECT a.channel_message_id, a.status, m.channel_message_id AS into
               FROM appeals a LEFT JOIN appeals m ON m.appeal_id = a.merged_into
               WHERE a.channel_message_id = ANY($1)""", message_ids)}
        return [(rows[m]["status"], message_ids.index(rows[m]["into"]) if rows[m]["into"] else None)
                for m in message_ids]

    async def events(self, message_ids: list[str]) -> list[dict]:
        """The events stored for these submissions, in the order they will be published."""
        rows = await self.pool.fetch("SELECT headers, body FROM outbox ORDER BY id")
        events = [json.loads(r["body"]) | {"type": json.loads(r["headers"])["ce_type"]} for r in rows]
        return [e for e in events if e.get("channel_message_id") in message_ids]


@pytest.fixture
async def intake(settings):
    statements: list[str] = []
    letters: list[DeadLetter] = []

    async def log_statements(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda logged: statements.append(logged.query))

    async def dead_letter(batch: list[DeadLetter]) -> None:
        letters.extend(batch)

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2, init=log_statements,
                                     server_settings={"search_path": "intake"})
    ctx = ServiceContext(settings, pool, None, UnitOfWorkFactory(pool, "intake"))  # type: ignore[arg-type]
    topic = settings.topic(topics.SUBMISSIONS)
    consumer = EventConsumer("intake", ctx.units_of_work, handlers_for(ctx), dead_letter,
                             default_types={topic: SubmitAppeal.event_type})
    yield Intake(consumer, pool, topic, letters, statements)
    await pool.close()


def body(message_id: str, phone: str, **overrides) -> dict:
    data = {"channel": "web", "channel_message_id": message_id, "district": "和平区", "description": FIRST,
            "petitioner": {"name": "钱伟", "phone": phone}}
    return data | overrides


def fresh_phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def repeats(run: str) -> list[dict]:
    """A petitioner's day: repeats of appeals filed minutes earlier, among other appeals."""
    phone, neighbour = fresh_phone(), fresh_phone()
    return [
        body(f"{run}-1", phone),
        body(f"{run}-2", neighbour),                                   # the same text, another petitioner
        body(f"{run}-3", phone, channel="app", description=REPHRASED),  # a repeat of 1
        body(f"{run}-4", phone, description=OTHER_PROBLEM),             # another problem
        body(f"{run}-5", phone, private=True),                          # private: never folded into 1
        body(f"{run}-6", phone, private=True, description=REPHRASED),  # a repeat of 5
        body(f"{run}-7", phone, district="沈河区"),                      # another district
    ]


async def test_a_repeat_in_the_same_run_is_merged_exactly_as_one_by_one(intake):
    run = uuid.uuid4().hex[:8]
    in_run, one_by_one = repeats(f"{run}-in-run"), repeats(f"{run}-single")
    await intake.process(in_run)
    for submission in one_by_one:
        await intake.process([submission])

    expected = [("accepted", None), ("accepted", None), ("merged", 0), ("accepted", None),
                ("accepted", None), ("merged", 4), ("accepted", None)]
    run_ids, single_ids = [b["channel_message_id"] for b in in_run], [b["channel_message_id"] for b in one_by_one]
    assert await intake.outcomes(run_ids) == expected
    assert await intake.outcomes(single_ids) == expected

    events = await intake.events(run_ids)
    assert [e["channel_message_id"] for e in events] == run_ids, "one event each, in submission order"
    assert [e["type"].split(".")[2] for e in events] == [
        "accepted", "accepted", "merged", "accepted", "accepted", "merged", "accepted"]
    assert events[2]["into_appeal_id"] == events[0]["appeal_id"]
    assert events[5]["into_appeal_id"] == events[4]["appeal_id"]
    links = await intake.pool.fetch("SELECT appeal_id::text, into_appeal_id::text FROM appeal_merges "
                                    "WHERE appeal_id = ANY($1::uuid[])",
                                    [events[2]["appeal_id"], events[5]["appeal_id"]])
    assert sorted(tuple(r) for r in links) == sorted([(events[2]["appeal_id"], events[0]["appeal_id"]),
                                                      (events[5]["appeal_id"], events[4]["appeal_id"])])


async def test_a_channel_message_twice_in_a_run_is_applied_once(intake):
    phone, message_id = fresh_phone(), f"dup-{uuid.uuid4().hex[:8]}"
    first = body(message_id, phone)
    # The copies are replays, not repeats to merge; a replay is never checked again, so even
    # a copy whose data would be refused now answers with the first decision.
    broken_copy = body(message_id, phone, petitioner={"name": "钱伟", "phone": "12812345678"})
    intake.statements.clear()
    another = body(f"{message_id}-next", phone, description=OTHER_PROBLEM)
    await intake.process([first, dict(first), broken_copy, another])
    assert not [s for s in intake.statements if "SAVEPOINT" in s], "applied as a run, not retried one by one"

    await intake.process([dict(first)])  # and once more in a later batch
    assert await intake.outcomes([message_id, f"{message_id}-next"]) == [("accepted", None), ("accepted", None)]
    assert [e["type"] for e in await intake.events([message_id])] == ["hotline.appeal.accepted.v1"]
    assert intake.letters == []


async def test_a_bad_submission_in_a_run_is_dead_lettered_alone(intake):
    run, phone = uuid.uuid4().hex[:8], fresh_phone()
    bodies = [
        body(f"{run}-1", phone),
        body(f"{run}-bad-phone", fresh_phone(), petitioner={"name": "钱伟", "phone": "12812345678"}),
        body(f"{run}-2", phone, description=REPHRASED),
        body(f"{run}-bad-category", fresh_phone(), appeal_type="consumer_complaint", category="taxation"),
        body(f"{run}-3", fresh_phone(), description="楼道里着火了，火灾很严重"),
    ]
    offsets = await intake.process(bodies)

    assert [letter.record.offset for letter in intake.letters] == [offsets[1], offsets[3]]
    assert intake.letters[0].reason.startswith("invalid (petitioner.phone):") and "12812345678" not in intake.letters[0].reason
    assert intake.letters[1].reason.startswith("invalid (category):")
    stored = await intake.outcomes([f"{run}-1", f"{run}-2", f"{run}-3"])
    assert stored == [("accepted", None), ("merged", 0), ("rejected", None)], "the rest applied, repeat still merged"
    assert await intake.pool.fetchval("SELECT count(*) FROM appeals WHERE channel_message_id LIKE $1",
                                      f"{run}-bad%") == 0


@pytest.mark.parametrize("repeat", [True, False], ids=["a repeat follows", "another appeal follows"])
async def test_a_run_racing_the_http_entrance_for_a_channel_message_takes_its_decision(intake, db, repeat):
    run, phone = uuid.uuid4().hex[:8], fresh_phone()
    follower = body(f"{run}-2", phone, description=REPHRASED if repeat else OTHER_PROBLEM)
    async with UnitOfWorkFactory(intake.pool, "intake")() as http:
        # The HTTP entrance decides the channel message first but has not committed yet, so
        # the run decides it too (and merges the repeat into its own decision).
        first = await accept_submission(http, SubmitAppeal.model_validate(body(f"{run}-1", phone)),
                                        now=datetime.now(UTC), pepper=b"p", answers_caller=True)
        racing = asyncio.create_task(intake.process([body(f"{run}-1", phone), follower]))

        async def run_waits_for_http() -> bool:
            return await db.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                     "AND datname = current_database()") > 0
        await eventually(run_waits_for_http, what="the run's insert to wait for the HTTP transaction")
    await racing

    assert await intake.outcomes([f"{run}-1", f"{run}-2"]) == [
        ("accepted", None), ("merged", 0) if repeat else ("accepted", None)]
    assert await intake.pool.fetchval("SELECT appeal_id FROM appeals WHERE channel_message_id = $1",
                                      f"{run}-1") == first.appeal_id, "the HTTP decision stands"
    assert [e["type"].split(".")[2] for e in await intake.events([f"{run}-1", f"{run}-2"])] == [
        "accepted", "merged" if repeat else "accepted"], "no event for the run's lost decision"
    assert intake.letters == []


async def test_a_run_costs_the_same_few_statements_however_long(intake):
    async def handler_statements(bodies: list[dict]) -> list[str]:
        intake.statements.clear()
        await intake.process(bodies)
        # The consumer's own statements (transaction, inbox, outbox) do not name the appeals.
        return [s for s in intake.statements if "appeal" in s]

    one = await handler_statements([body(f"one-{uuid.uuid4().hex[:8]}", fresh_phone())])
    run = uuid.uuid4().hex[:8]
    many = [*repeats(run), *repeats(f"{run}-b"), *(body(f"{run}-other-{i}", fresh_phone()) for i in range(30))]
    many += [dict(many[0]), body(f"{run}-fire", fresh_phone(), description="楼道里着火了，火灾很严重")]
    statements = await handler_statements(many)
    # read the decided channel messages, read the petitioners' appeals, write appeals, write merges
    assert len(one) == 3 and len(statements) == 4, statements
    assert await intake.pool.fetchval("SELECT count(*) FROM appeals WHERE channel_message_id LIKE $1",
                                      f"{run}-%") == len(many) - 1
