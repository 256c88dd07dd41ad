"""The projection as a batch handler (issue 8): a run of consumed events leaves what applying
them one at a time leaves - rows, timeline, Open311 tokens, dead letters - and costs a few
statements for the whole run. The public hears once per appeal per run: for every appeal it
ends on the same view as one at a time, and hears nothing one at a time would not have said.

The consumer is driven directly with records (no broker), so both ways see the same events
with the same ids; the database is reset between the two ways."""

import asyncio
import json
import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from services.publication.domain.read_model import COLUMNS
from services.publication.handlers import event_handlers
from shared.consumer import EventConsumer
from shared.contracts.events import (
    AppealClosed,
    AppealEvaluated,
    AppealReclassified,
    AppealRedispatched,
    AppealReopened,
    DeadlineStopped,
    Event,
)
from shared.contracts.local_time import SHANGHAI
from shared.unit_of_work import UnitOfWorkFactory
from tests.integration.helpers import consumer_record
from tests.integration.test_publication_support import (
    NAME,
    PHONE,
    accepted,
    deadline,
    dispatched,
    replied,
    signed,
    tracking_number,
)

SERVICE = "publication"
# Not UTC on purpose: times in the emitted events and digests must not depend on the offset
# an upstream service happened to write.
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)

_SNAPSHOT = {
    "rows": "SELECT * FROM public_appeals ORDER BY appeal_id",
    "steps": "SELECT * FROM public_timeline ORDER BY appeal_id, at, step",
    "feed": "SELECT tracking_number, body FROM public_feed ORDER BY seq",
    "emitted": "SELECT topic, key, headers->>'ce_type' AS type, body FROM outbox ORDER BY id",
    "tokens": "SELECT channel_message_id, tracking_number FROM open311_tokens ORDER BY channel_message_id",
    "inbox": "SELECT event_id FROM inbox ORDER BY event_id",
}
_RESET = "TRUNCATE public_appeals, public_timeline, public_feed, inbox, outbox, open311_tokens"
_TOKEN = ("INSERT INTO open311_tokens (token, channel_message_id, key_id, created_at) "
          "VALUES ($1, $2, 'k-test', now())")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def records(events: Sequence[tuple[Event, datetime]]) -> list[ConsumerRecord]:
    return [consumer_record(payload, offset, topic=payload.topic, time=time) for offset, (payload, time) in enumerate(events)]


def redispatched(appeal_id, hours: float, unit_name: str = "沈阳市卫生健康委员会") -> AppealRedispatched:
    return AppealRedispatched(appeal_id=appeal_id, from_unit_code="SAMR", unit_code="HEALTH", unit_name=unit_name,
                              reason="not ours", attempt=2, redispatched_at=at(hours))


def reclassified(appeal_id, hours: float, category: str) -> AppealReclassified:
    return AppealReclassified(appeal_id=appeal_id, appeal_type="public_service_request", category=category,
                              district="shenhe", by="operator-7", reason="wrong category", reclassified_at=at(hours))


def city() -> tuple[list[tuple[Event, datetime]], list[str]]:
    """Every consumed event type, the orders that need care, and the Open311 submissions pending.

    Each item is (payload, envelope time); only DeadlineSet reads the envelope time.
    """
    a, b, c, d, e, f, g, h = (uuid.uuid4() for _ in range(8))
    na, nb, nc, nd, ne, nf, nh = (tracking_number() for _ in range(7))
    moved = deadline(a, at(49)).model_copy(update={"reason": "extended", "due_at": at(49 + 24 * 35)})
    b_late_deadline = deadline(b, at(2)).model_copy(update={"due_at": at(500)})
    b_same_time_deadline = deadline(b, at(3)).model_copy(update={"due_at": at(600)})
    events: list[tuple[Event, datetime]] = [
        # a: a whole public life, reopened after a dissatisfied rating and replied again
        (accepted(a, na, at(0)).model_copy(update={"channel_message_id": "open311-a"}), at(0)),
        (dispatched(a, na, at(1)), at(1)),
        (deadline(a, at(1)), at(1)),
        (signed(a, at(2)), at(2)),
        (replied(a, at(24)), at(24)),
        (AppealEvaluated(appeal_id=a, satisfaction="dissatisfied", solved=False, via="web", unit_code="SAMR",
                         reopen_requested=True, evaluated_at=at(26)), at(26)),
        (AppealReopened(appeal_id=a, reason="dissatisfied", reopened_at=at(48)), at(48)),
        (redispatched(a, 49), at(49)),
        (moved, at(49)),
        (replied(a, at(72)).model_copy(update={"reply": f"已再次处理，请{NAME}拨打{PHONE}确认。"}), at(72)),
        (DeadlineStopped(appeal_id=a, unit_code="HEALTH", due_at=moved.due_at, stopped_at=at(72), met=True), at(72)),
        (AppealClosed(appeal_id=a, closed_at=at(96)), at(96)),
        # b: routing and SLA ahead of intake; the reply is redacted again once the name is known
        (replied(b, at(5)), at(5)),
        (dispatched(b, nb, at(1)), at(1)),
        (deadline(b, at(3)), at(3)),
        (accepted(b, nb, at(0)).model_copy(update={"channel_message_id": "open311-b"}), at(0)),
        (redispatched(b, 0.5, "过时的单位"), at(0.5)),  # an older letter arriving late names nobody
        (b_late_deadline, at(2)),  # an older deadline arriving late changes nothing
        (b_same_time_deadline, at(3)),  # the same envelope time: the later arrival wins, as in SQL
        # c: private, never public
        (accepted(c, nc, at(0), private=True, code_hash="$argon2id$fake"), at(0)),
        (dispatched(c, nc, at(1)), at(1)),
        (replied(c, at(9)), at(9)),
        (AppealClosed(appeal_id=c, closed_at=at(10)), at(10)),
        # d: reclassified before, between and after the acceptance (only the latest counts)
        (reclassified(d, 3, "water"), at(3)),
        (accepted(d, nd, at(0)), at(0)),
        (reclassified(d, 2, "heating"), at(2)),
        (reclassified(d, 4, "gas"), at(4)),
        (dispatched(d, nd, at(5)), at(5)),
        # e: the same facts again under new event ids publish nothing new
        (accepted(e, ne, at(0)), at(0)),
        (dispatched(e, ne, at(1)), at(1)),
        (accepted(e, ne, at(0)), at(0)),
        (dispatched(e, ne, at(1)), at(1)),
        (signed(e, at(2)), at(2)),
        (signed(e, at(2)), at(2)),
        # f: the same Open311 submission named twice: the first acceptance keeps the token
        (accepted(f, nf, at(0)).model_copy(update={"channel_message_id": "open311-a"}), at(0)),
        # g: never accepted (intake is behind): stored, not public
        (signed(g, at(2)), at(2)),
        (AppealClosed(appeal_id=g, closed_at=at(3)), at(3)),
        # h: no contact name, a reply seen first keeps its pattern redaction only
        (replied(h, at(5)).model_copy(update={"reply": f"已联系，回访电话{PHONE}。"}), at(5)),
        (accepted(h, nh, at(0), description="小区门口路灯不亮，电话13912345678。").model_copy(update={"contact": None}),
         at(0)),
    ]
    return events, ["open311-a", "open311-b"]


@pytest.fixture
async def world(settings):
    statements: list[str] = []

    async def count_statements(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(lambda logged: statements.append(logged.query))

    # one connection, so prepared statements and type introspection are cached after a warm-up
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=1, init=count_statements,
                                     server_settings={"search_path": SERVICE})
    yield World(pool, settings.pepper(), statements)
    await pool.close()


class World:
    """One publication consumer on the test database, with what it parked and what it sent."""

    def __init__(self, pool: asyncpg.Pool, pepper: bytes, statements: list[str]):
        self.pool = pool
        self.statements = statements
        self.letters: list[tuple[int, str]] = []
        self.consumer = EventConsumer(SERVICE, UnitOfWorkFactory(pool, SERVICE), event_handlers(pepper), self._park)  # type: ignore[arg-type]

    async def _park(self, letters) -> None:
        self.letters.extend((letter.record.offset, letter.reason) for letter in letters)

    async def reset(self, pending_tokens: list[str]) -> None:
        await self.pool.execute(_RESET)
        for channel_message_id in pending_tokens:
            await self.pool.execute(_TOKEN, uuid.uuid4(), channel_message_id)
        self.letters.clear()

    async def snapshot(self) -> dict:
        state = {name: [dict(r) for r in await self.pool.fetch(query)] for name, query in _SNAPSHOT.items()}
        return state | {"dead_letters": list(self.letters)}

    async def applied_in_runs(self, batch: list[ConsumerRecord], sizes: list[int], tokens: list[str]) -> dict:
        await self.reset(tokens)
        start = 0
        for size in sizes:
            await self.consumer.process(batch[start:start + size])
            start += size
        assert start >= len(batch)
        return await self.snapshot()

    async def applied_one_by_one(self, batch: list[ConsumerRecord], tokens: list[str]) -> dict:
        return await self.applied_in_runs(batch, [1] * len(batch), tokens)

    async def statements_for(self, batch: list[ConsumerRecord]) -> list[str]:
        await asyncio.sleep(0)  # the query logger reports through the event loop
        self.statements.clear()
        await self.consumer.process(batch)
        await asyncio.sleep(0)
        return list(self.statements)


_STATE = ("rows", "steps", "tokens", "inbox", "dead_letters")


def _differences(run: dict, one_by_one: dict) -> list[str]:
    """The parts of the state (everything but what the public was told) that differ."""
    return [name for name in _STATE if run[name] != one_by_one[name]]


def _heard(snapshot: dict) -> dict[bytes, list[bytes]]:
    """What the public was told of each appeal, in order: key (tracking number) -> views."""
    heard: dict[bytes, list[bytes]] = {}
    for event in snapshot["emitted"]:
        heard.setdefault(event["key"], []).append(event["body"])
    return heard


def _is_subsequence(part: list, whole: list) -> bool:
    rest = iter(whole)
    return all(item in rest for item in part)


def assert_public_told_the_same(run: dict, one_by_one: dict) -> None:
    # the HTTP feed carries the emitted views, in the same order
    assert [(f["tracking_number"], json.loads(f["body"])) for f in run["feed"]] == [
        (e["key"].decode(), json.loads(e["body"])) for e in run["emitted"]]
    heard, reference = _heard(run), _heard(one_by_one)
    assert heard.keys() == reference.keys()
    for key, views in heard.items():
        assert views[-1] == reference[key][-1], f"{key!r} ends on another view"
        assert _is_subsequence(views, reference[key]), f"{key!r} was told something new"


async def test_one_run_leaves_what_one_event_at_a_time_leaves(world):
    events, tokens = city()
    batch = records(events)
    reference = await world.applied_one_by_one(batch, tokens)
    in_one_run = await world.applied_in_runs(batch, [len(batch)], tokens)
    assert _differences(in_one_run, reference) == []
    assert_public_told_the_same(in_one_run, reference)
    # one run: each public appeal is told once, its final view, where one at a time told every step
    assert [len(views) for views in _heard(in_one_run).values()] == [1] * 6
    assert len(reference["emitted"]) > 12

    # what the reference itself says, so equality above is equality of something meaningful
    rows = {r["tracking_number"]: r for r in reference["rows"] if r["tracking_number"]}
    assert len(reference["feed"]) == len(reference["emitted"]) > 10
    assert {e["type"] for e in reference["emitted"]} == {"hotline.public.appeal-updated.v1"}
    everything = repr(reference)
    assert NAME not in everything and PHONE not in everything
    published = {f["tracking_number"] for f in reference["feed"]}
    private = next(n for n, r in rows.items() if r["private"])
    assert private not in published and len(published) == 6
    assert [t["tracking_number"] for t in reference["tokens"]] == [
        next(n for n, r in rows.items() if r["summary"] and r["status"] == "closed" and r["satisfaction"]),
        next(n for n, r in rows.items() if r["reply"] and r["reply"].startswith("经核实，[姓名]")
             and r["expected_at"] == at(600)),
    ]
    assert {r["status"] for r in rows.values()} >= {"closed", "dispatched", "signed", "replied"}


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_any_order_split_into_any_runs_leaves_the_same(world, seed):
    """Shuffled (so appeals are seen in every arrival order) and cut into runs of random sizes."""
    shuffle = random.Random(seed)
    events, tokens = city()
    shuffle.shuffle(events)
    batch = records(events)
    sizes = [shuffle.randint(1, 12) for _ in batch]
    reference = await world.applied_one_by_one(batch, tokens)
    in_runs = await world.applied_in_runs(batch, sizes, tokens)
    assert _differences(in_runs, reference) == []
    assert_public_told_the_same(in_runs, reference)


async def test_an_event_that_cannot_be_applied_is_parked_alone(world):
    """Two appeals with one tracking number: the second acceptance violates the unique key."""
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    number = tracking_number()
    batch = records([(accepted(a, number, at(0)), at(0)), (dispatched(a, number, at(1)), at(1)),
                     (accepted(b, number, at(0)), at(0)), (accepted(c, tracking_number(), at(0)), at(0)),
                     (dispatched(b, number, at(1)), at(1))])
    reference = await world.applied_one_by_one(batch, [])
    in_one_run = await world.applied_in_runs(batch, [len(batch)], [])
    assert [offset for offset, _ in reference["dead_letters"]] == [2]
    assert _differences(in_one_run, reference) == []
    assert_public_told_the_same(in_one_run, reference)


async def test_a_lifecycle_costs_a_few_statements_however_many_appeals_share_the_run(world):
    def lifecycles(n: int) -> list[ConsumerRecord]:
        events = []
        for _ in range(n):
            appeal, number = uuid.uuid4(), tracking_number()
            events += [(accepted(appeal, number, at(0)).model_copy(update={"channel_message_id": f"m-{appeal}"}),
                        at(0)),
                       (dispatched(appeal, number, at(1)), at(1)), (deadline(appeal, at(1)), at(1))]
        return records(events)

    await world.reset([])
    await world.statements_for(lifecycles(2))  # warm-up: asyncpg introspects types on first use
    one = await world.statements_for(lifecycles(1))
    fifty = await world.statements_for(lifecycles(50))
    # the transaction is BEGIN, the inbox, the projection's statements, the outbox, COMMIT
    inside = one[one.index("BEGIN;") + 1:one.index("COMMIT;")]
    projection = [s for s in inside if "inbox" not in s and "outbox" not in s]
    print(f"\naccepted+dispatched+deadline-set of 1 appeal: {len(projection)} statements by the projection, "
          f"{len(one)} round trips in all; of 50 appeals in one run: {len(fifty)} in all")
    assert len(projection) <= 6, projection
    assert len(fifty) == len(one), "set-based: the statement count does not grow with the run"


async def test_the_row_shape_is_the_table(world):
    """The projection writes the columns it knows: a migration adding one must extend COLUMNS too."""
    table = await world.pool.fetch("SELECT column_name FROM information_schema.columns "
                                   "WHERE table_schema = $1 AND table_name = 'public_appeals'", SERVICE)
    assert {r["column_name"] for r in table} == set(COLUMNS)
