"""SLA's batch handlers against the real database: a run of AppealAccepted or AppealDispatched
events ends in exactly the state (rows, clusters, members, key supervision, events) that the
same events reach when each is committed on its own, and costs a few statements per run.

Each test builds two sla schemas from the migrations ("worlds") in the module's database and
feeds them the same records through the real consumer: one record per batch in one world, long
runs in the other.
"""

import asyncio
import json
import random
import string
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from services.sla.entrypoint import SPEC
from services.sla.handlers import build
from shared.clock import Clock
from shared.consumer import EventConsumer
from shared.contracts import topics
from shared.contracts.events import AppealAccepted, AppealDispatched, AppealSigned, Classification
from shared.migrations import migrate
from shared.unit_of_work import UnitOfWorkFactory
from tests.integration.helpers import consumer_record

T0 = datetime(2026, 6, 1, 2, tzinfo=UTC)
# A clock that stands still, so set_at and detected_at are the same in both worlds.
CLOCK = Clock(start=datetime(2026, 6, 4, 1, tzinfo=UTC), speed=0.0)
TEMPLATES = ("浑南区某小区物业强制收取停车费业主多次反映无人处理", "太原街一家超市乱收费标价和结账价格不一致请求查处",
             "阳光小区停水两天了自来水公司一直没有派人来维修", "幸福家园三天两头停电供电部门一直不给任何说法",
             "中街一家药店出售过期药品要求市场监管部门查处", "铁西区某工地夜间施工噪音扰民严重影响居民休息")
PLACES = [(c, d) for c in ("prices", "utilities", "water_supply", "food_medicine", "power_supply")
          for d in ("heping", "tiexi", "faku", "dadong", "hunnan", "kangping")]


def accepted(appeal_id, at, *, text, category="prices", district="heping", enterprise=False) -> AppealAccepted:
    return AppealAccepted(appeal_id=appeal_id, tracking_number="SY20260601ABCDEFGH", channel="phone",
                          appeal_type="consumer_complaint", category=category, district=district, description=text,
                          private=False, enterprise=enterprise, classification=Classification(method="stated"),
                          accepted_at=at)


def dispatched(appeal_id, at, unit="SAMR", **kw) -> AppealDispatched:
    fields = dict(appeal_type="consumer_complaint", category="prices") | kw
    return AppealDispatched(appeal_id=appeal_id, tracking_number="SY20260601ABCDEFGH", unit_code=unit,
                            unit_name="沈阳市市场监督管理局", rule_id="r1", district="heping", dispatched_at=at, **fields)


def records(events) -> list[ConsumerRecord]:
    """One Kafka record per event, each with its own event id (as a redelivery would not have)."""
    return [consumer_record(data, offset) for offset, data in enumerate(events)]


def counting_connection(counter: Counter):
    """A connection class that counts the statements sent (executemany: one per argument row)."""

    class Counting(asyncpg.Connection):
        async def execute(self, query, *args, **kw):
            counter[query] += 1
            return await super().execute(query, *args, **kw)

        async def executemany(self, query, args, **kw):
            args = list(args)
            counter[query] += len(args)
            return await super().executemany(query, args, **kw)

        async def fetch(self, query, *args, **kw):
            counter[query] += 1
            return await super().fetch(query, *args, **kw)

        async def fetchval(self, query, *args, **kw):
            counter[query] += 1
            return await super().fetchval(query, *args, **kw)

        async def fetchrow(self, query, *args, **kw):
            counter[query] += 1
            return await super().fetchrow(query, *args, **kw)

    return Counting


class World:
    def __init__(self, schema: str, pool: asyncpg.Pool, statements: Counter):
        self.schema, self.pool, self.statements = schema, pool, statements
        self.letters: list[Any] = []

        async def dead_letter(batch):
            self.letters.extend(batch)

        self.consumer = EventConsumer("sla", UnitOfWorkFactory(pool, "sla"), build(CLOCK).handlers(), dead_letter)

    async def one_by_one(self, batch: list[ConsumerRecord]) -> None:
        for record in batch:
            await self.consumer.process([record])

    async def in_runs(self, batch: list[ConsumerRecord], size: int = 500) -> None:
        for i in range(0, len(batch), size):
            await self.consumer.process(batch[i:i + size])


@pytest.fixture
async def worlds(settings):
    made: list[tuple[str, asyncpg.Pool]] = []

    async def make(replica_of: World | None = None) -> World:
        """A fresh sla schema, or another replica (pool and consumer) on an existing one."""
        schema = replica_of.schema if replica_of else "sla_" + "".join(random.choices(string.ascii_lowercase, k=10))
        if replica_of is None:
            conn = await asyncpg.connect(settings.database_url)
            try:
                await migrate(conn, schema, SPEC.migrations)
            finally:
                await conn.close()
        statements: Counter = Counter()
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2,
                                         connection_class=counting_connection(statements),
                                         server_settings={"search_path": schema})
        made.append((schema, pool))
        return World(schema, pool, statements)

    yield make
    for _, pool in made:
        await pool.close()
    conn = await asyncpg.connect(settings.database_url)
    for schema in {schema for schema, _ in made}:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    await conn.close()


async def snapshot(world: World) -> dict:
    """Everything sla wrote, with the groups' random ids replaced by their members."""
    async with world.pool.acquire() as conn:
        groups = await conn.fetch(
            "SELECT g.*, array_agg(m.appeal_id ORDER BY m.appeal_id) AS members"
            "  FROM problem_groups g JOIN problem_group_members m USING (group_id) GROUP BY g.group_id")
        label = {str(r["group_id"]): ",".join(map(str, r["members"])) for r in groups}
        events = []
        for r in await conn.fetch("SELECT topic, key, headers, body FROM outbox ORDER BY id"):
            body = json.loads(r["body"])
            if "cluster_id" in body:
                body["cluster_id"] = label[body["cluster_id"]]
            events.append((r["topic"], json.loads(r["headers"])["ce_type"],
                           label.get(r["key"].decode(), r["key"].decode()), body))
        return {
            # Which closed groups' buckets were pruned depends on the runs' times: left out.
            "groups": sorted((label[str(r["group_id"])], r["category"], r["district"], r["first_member_at"],
                              r["last_member_at"], r["open_until"], r["member_count"], r["concentrated_at"],
                              r["rules_version"]) for r in groups),
            "clusters": sorted(label[str(r["group_id"])] for r in groups if r["concentrated_at"]),
            "accepted_appeals": [dict(r) for r in await conn.fetch(
                "SELECT * FROM accepted_appeals ORDER BY appeal_id")],
            "deadlines": [dict(r) for r in await conn.fetch("SELECT * FROM deadlines ORDER BY appeal_id")],
            "parked_events": [tuple(r) for r in await conn.fetch(
                "SELECT event_id, appeal_id, failure FROM parked_events ORDER BY seq")],
            "inbox": sorted(r[0] for r in await conn.fetch("SELECT event_id FROM inbox")),
            "events": events,
            "dead_letters": [(letter.record.offset, letter.reason) for letter in world.letters],
        }


async def assert_same(one: World, other: World) -> dict:
    mine, theirs = await snapshot(one), await snapshot(other)
    for part in mine:
        assert mine[part] == theirs[part], part
    return mine


def stream(seed: int, appeals: int = 150, *, places: int = 9, texts: int = 3, alike: float = 0.55,
           hours: float = 72) -> list:
    """Days of appeals in few places with few texts, so clusters open, grow, drift and close:
    exact repeats of a template, one-character variants (alike to the template, not always to
    each other), unrelated texts; acceptance times out of order; some acceptances delivered
    twice, letters before their acceptance, signatures before their letter (parked)."""
    rng = random.Random(seed)
    placed: list[tuple[float, object]] = []
    for i in range(appeals):  # (times jitter by up to 2 h: acceptances arrive out of order)
        appeal_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        category, district = rng.choice(PLACES[:places])
        roll, template = rng.random(), rng.choice(TEMPLATES[:texts])
        if roll >= alike:
            text = f"第{i}件：{rng.randrange(10**8)}号楼的事情，编号{rng.randrange(10**8)}"
        elif roll < alike / 2:
            text = template + rng.choice(("", "！", "。"))
        else:
            k = rng.randrange(len(template))
            text = template[:k] + rng.choice("甲乙丙丁戊己庚辛") + template[k + 1:]
        at = T0 + timedelta(hours=i * hours / appeals + rng.uniform(-2, 2))
        acceptance = accepted(appeal_id, at, text=text, category=category, district=district,
                              enterprise=rng.random() < 0.15)
        placed.append((i, acceptance))
        if rng.random() < 0.1:
            placed.append((i + rng.uniform(1, 30), acceptance))
        letter_at = i + (rng.uniform(-3, -0.5) if rng.random() < 0.1 else rng.uniform(0.5, 40))
        placed.append((letter_at, dispatched(appeal_id, at + timedelta(minutes=10), category=category)))
        if rng.random() < 0.15:
            placed.append((letter_at - rng.uniform(0.1, 3),
                           AppealSigned(appeal_id=appeal_id, unit_code="SAMR", signed_at=at + timedelta(hours=2))))
    return [event for _, event in sorted(placed, key=lambda p: p[0])]


async def test_alike_appeals_in_one_run_cluster_as_one_by_one(worlds):
    one_by_one, in_one_run = await worlds(), await worlds()
    alike = [uuid.uuid4() for _ in range(14)]  # min_members 12: the twelfth opens, two more join
    elsewhere = [uuid.uuid4() for _ in range(4)]  # the same text in another district: another place
    place = [uuid.uuid4() for _ in range(6)]  # one category and district, unlike texts: ordinary traffic
    events = [accepted(a, T0 + timedelta(minutes=i), text=TEMPLATES[0] + "！" * (i % 2), district="tiexi")
              for i, a in enumerate(alike)]
    events += [accepted(a, T0 + timedelta(minutes=i), text=TEMPLATES[0], district="faku")
               for i, a in enumerate(elsewhere)]
    events += [accepted(a, T0 + timedelta(hours=1, minutes=i), text=f"第{i}件完全不同的事情{i * 13}号",
                        category="utilities", district="kangping") for i, a in enumerate(place)]
    batch = records(events)
    await one_by_one.one_by_one(batch)
    await in_one_run.in_runs(batch)

    state = await assert_same(one_by_one, in_one_run)
    assert state["clusters"] == [",".join(map(str, sorted(alike)))]
    supervised = {row["appeal_id"] for row in state["accepted_appeals"] if row["key_supervision"]}
    assert supervised == set(alike)
    assert sorted(g[6] for g in state["groups"]) == [1] * 6 + [4, 14]
    detected = [body for _, kind, _, body in state["events"] if kind == "hotline.concentration.detected.v1"]
    assert [len(d["appeal_ids"]) for d in detected] == [12], "announced once, when it became a cluster"


def as_polled(events: list, size: int = 250) -> list:
    """The order a consumer poll tends to return: per batch, one topic's records, then the other's."""
    out = []
    for i in range(0, len(events), size):
        chunk = events[i:i + size]
        out += [e for e in chunk if e.topic == topics.INTAKE] + [e for e in chunk if e.topic != topics.INTAKE]
    return out


@pytest.mark.parametrize("seed, shape", [
    (1, dict(appeals=300, places=3, hours=5)), (2, dict(appeals=300, places=3, hours=5)),
    (3, dict(appeals=400, places=6, texts=4, alike=0.6, hours=10)),
    (4, dict(appeals=300, places=2, texts=2, alike=0.5, hours=40))])
@pytest.mark.parametrize("order", ["interleaved", "as polled"])
async def test_a_mixed_stream_in_runs_ends_as_one_by_one(worlds, seed, shape, order):
    one_by_one, in_runs = await worlds(), await worlds()
    events = stream(seed, **shape)
    batch = records(events if order == "interleaved" else as_polled(events))
    await one_by_one.one_by_one(batch)
    await in_runs.in_runs(batch, size=250)

    state = await assert_same(one_by_one, in_runs)
    # The stream exercises what it is meant to: clusters that grow, groups that stay candidates, parking.
    assert any(len(label.split(",")) > 12 for label in state["clusters"]), "a cluster that grew"
    assert len(state["groups"]) > len(state["clusters"]), "groups that stayed candidates"
    assert any(row["state"] == "open" for row in state["deadlines"]), "a parked signature was applied"
    assert not state["dead_letters"]


async def test_letters_in_one_run_set_the_same_deadlines_as_one_by_one(worlds):
    one_by_one, in_one_run = await worlds(), await worlds()
    enterprise, supervised, plain, parked, twice, early_letter = (uuid.uuid4() for _ in range(6))
    crowd = [uuid.uuid4() for _ in range(11)]
    before = [accepted(enterprise, T0, text="某企业反映审批拖延", enterprise=True)]
    before += [accepted(a, T0 + timedelta(minutes=i), text=TEMPLATES[2] + "！" * (i % 2), category="utilities",
                        district="faku") for i, a in enumerate([supervised, *crowd])]
    before += [AppealSigned(appeal_id=parked, unit_code="SAMR", signed_at=T0 + timedelta(hours=3))]
    letters = [dispatched(a, T0 + timedelta(hours=1)) for a in (enterprise, supervised, plain, parked)]
    letters += [dispatched(twice, T0 + timedelta(hours=1)), dispatched(twice, T0 + timedelta(hours=2), unit="WATER"),
                dispatched(early_letter, T0 + timedelta(hours=1), appeal_type="public_service_request",
                           subtype="consultation")]
    after = [accepted(early_letter, T0 + timedelta(minutes=30), text="企业咨询政策", enterprise=True)]
    head = records(before)
    for world in (one_by_one, in_one_run):
        await world.one_by_one(head)
    batch = records(letters)
    await one_by_one.one_by_one(batch)
    await in_one_run.in_runs(batch)
    tail = records(after)
    await one_by_one.one_by_one(tail)
    await in_one_run.in_runs(tail)

    state = await assert_same(one_by_one, in_one_run)
    rows = {row["appeal_id"]: row for row in state["deadlines"]}
    assert rows[enterprise]["early_reminder"] and rows[supervised]["key_supervision"]
    assert not rows[plain]["early_reminder"] and not rows[plain]["key_supervision"]
    assert rows[parked]["state"] == "open" and not state["parked_events"], "the parked signature was applied"
    assert rows[twice]["unit_code"] == "SAMR", "the first letter sets the deadline, the second is a redelivery"
    assert rows[early_letter]["early_reminder"] and rows[early_letter]["next_step"] == "early_reminder"
    reasons = [(key, body["reason"]) for _, kind, key, body in state["events"] if kind.endswith("deadline-set.v1")]
    assert reasons == [(str(a), "dispatched") for a in (enterprise, supervised, plain)] + [
        (str(parked), "dispatched"), (str(parked), "signed"), (str(twice), "dispatched"),
        (str(early_letter), "dispatched")]


async def test_a_letter_without_a_deadline_is_dead_lettered_alone(worlds):
    world = await worlds()
    good, bad, also_good = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await world.in_runs(records([
        dispatched(good, T0), dispatched(bad, T0, appeal_type="public_service_request"),  # no subtype: no period
        dispatched(also_good, T0)]))
    assert (await snapshot(world))["dead_letters"] == [
        (1, "no deadline for this transfer letter: a public-service request needs its subtype to have a deadline")]
    async with world.pool.acquire() as conn:
        assert set(await conn.fetchval("SELECT array_agg(appeal_id) FROM deadlines")) == {good, also_good}


async def test_two_replicas_applying_runs_at_once_open_one_cluster_per_problem(worlds):
    """The concentration lock serialises runs; taken before any cluster row, it cannot deadlock
    with one (a deadlock would be retried like any transient error, and is counted here)."""
    first = await worlds()
    second = await worlds(replica_of=first)
    alike = [uuid.uuid4() for _ in range(30)]
    other = [uuid.uuid4() for _ in range(30)]
    events = [accepted(a, T0 + timedelta(minutes=i), text=TEMPLATES[1] + "！" * (i % 2), category=c, district="heping")
              for i, (a, (c, _)) in enumerate(zip(alike, PLACES, strict=True))]  # categories differ, the text not
    events += [accepted(a, T0 + timedelta(minutes=i), text=TEMPLATES[5] + "。" * (i % 3), category="utilities",
                        district="shenhe") for i, a in enumerate(other)]
    random.Random(5).shuffle(events)
    chunks = [records(events[i:i + 6]) for i in range(0, len(events), 6)]
    retried: list[Exception] = []

    async def replica(world: World, mine: list) -> None:
        for chunk in mine:
            while True:
                try:
                    await world.consumer.process(chunk)
                    break
                except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
                    retried.append(exc)  # what the broker loop does: read the batch again

    await asyncio.gather(replica(first, chunks[0::2]), replica(second, chunks[1::2]))

    state = await snapshot(first)
    assert sorted(state["clusters"]) == sorted(",".join(map(str, sorted(ids))) for ids in (alike, other)), \
        "one cluster per problem"
    assert all(row["key_supervision"] for row in state["accepted_appeals"])
    assert [kind for _, kind, _, _ in state["events"]].count("hotline.concentration.detected.v1") == 2
    assert not retried


async def test_a_run_costs_a_few_statements_whatever_its_length(worlds):
    """Statements per run, counted at the connection: the same for 40 appeals as for 400."""
    per_run = {}
    for appeals in (40, 400):
        world = await worlds()
        rng = random.Random(appeals)
        ids = [uuid.uuid4() for _ in range(appeals)]
        acceptances = [accepted(a, T0 + timedelta(seconds=20 * i),
                                text=rng.choice(TEMPLATES) if i % 3 == 0 else f"第{i}件不同的事{rng.randrange(10**9)}",
                                category=PLACES[i % len(PLACES)][0], district=PLACES[i % len(PLACES)][1],
                                enterprise=i % 7 == 0) for i, a in enumerate(ids)]
        letters = [dispatched(a, T0 + timedelta(seconds=20 * i + 5)) for i, a in enumerate(ids)]
        counts = []
        for events in (acceptances, letters):
            world.statements.clear()
            await world.in_runs(records(events))
            counts.append(sum(world.statements.values()))
        per_run[appeals] = counts
    # The same statements, save the writes that have nothing to write in the short run (no group
    # existed before it to change, load exemplars and members of): never more for a longer run.
    assert per_run[40][1] == per_run[400][1] and 0 <= per_run[400][0] - per_run[40][0] <= 3, per_run
    assert all(statements <= 20 for statements in per_run[400]), per_run  # transaction and inbox included
