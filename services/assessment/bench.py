"""Benchmark: recompute a month from N stored appeal events, and replay speed from Kafka.

    python -m services.assessment.bench [--events 2000000] [--replay-events 100000]

Works in a throwaway database and topic prefix on the configured stack (HOTLINE_*), and
drops both at the end. Prints medians; no asserts on time (the machines are shared).
"""

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.assessment import reports
from services.assessment.adapters import repository
from services.assessment.domain.facts import fact_of
from services.assessment.domain.periods import SHANGHAI
from services.assessment.entrypoint import CONSUMED_TOPICS, SPEC
from services.assessment.replay import replay
from shared.contracts import events as ev
from shared.contracts.envelope import Envelope
from shared.db import create_pool
from shared.migrations import migrate
from shared.settings import Settings

PERIOD = "2026-03"
GROUPS = ("municipal_department", "district_government", "enterprise", "stationed_unit")
UNITS = [(f"U{g[:3].upper()}{i:02d}", g) for g in GROUPS for i in range(15)]
_COPY_COLUMNS = ["appeal_id", "kind", "unit_code", "occurred_at", "period", "attempt", "level", "flag", "label",
                 "other_unit", "co_units", "tracking_number", "event_id", "event_type"]


def appeal_events(rng: random.Random, n: int) -> list[ev.Event]:
    """One appeal's lifecycle in March 2026: 6-10 events, with returns, overdue, ratings, reopens."""
    a = uuid.uuid4()
    unit, group = rng.choice(UNITS)
    t = datetime(2026, 3, 1, tzinfo=SHANGHAI) + timedelta(minutes=rng.randrange(30 * 24 * 60))
    tracking = f"SY20260301{n % 10**8:08d}"
    out: list[ev.Event] = [ev.AppealDispatched(
        appeal_id=a, tracking_number=tracking, unit_code=unit, unit_name=unit, unit_group=group, rule_id="r",
        appeal_type="consumer_complaint", category="prices", district="heping", dispatched_at=t)]
    if rng.random() < 0.05:
        other, other_group = rng.choice(UNITS)
        if other != unit:
            out.append(ev.AppealReturned(appeal_id=a, unit_code=unit, reason="不属于本单位", returned_at=t + timedelta(hours=2)))
            t += timedelta(hours=5)
            out.append(ev.AppealRedispatched(appeal_id=a, from_unit_code=unit, unit_code=other, unit_name=other,
                                             unit_group=other_group, reason="re", attempt=2, redispatched_at=t))
            unit = other
    out.append(ev.AppealSigned(appeal_id=a, unit_code=unit, signed_at=t + timedelta(hours=rng.choice((1, 5, 30)))))
    done = t + timedelta(days=rng.randrange(1, 25))
    late = rng.random() < 0.1
    if late:
        out.append(ev.AppealOverdue(appeal_id=a, unit_code=unit, due_at=t + timedelta(days=20), overdue_at=t + timedelta(days=21)))
        if rng.random() < 0.5:
            out.append(ev.SupervisionRaised(appeal_id=a, unit_code=unit, level=rng.randint(1, 3), reason="overdue",
                                            raised_at=t + timedelta(days=22)))
    out.append(ev.AppealReplied(appeal_id=a, unit_code=unit, reply="已办理", outcome=rng.choice(("solved", "explained")),
                                replied_at=done))
    out.append(ev.DeadlineStopped(appeal_id=a, unit_code=unit, due_at=t + timedelta(days=20), stopped_at=done, met=not late))
    if rng.random() < 0.7:
        out.append(ev.AppealEvaluated(appeal_id=a, satisfaction=rng.choice(("satisfied", "basically_satisfied", "dissatisfied")),
                                      solved=rng.random() < 0.8, via="web", evaluated_at=done + timedelta(days=1)))
        if rng.random() < 0.05:
            out.append(ev.AppealReopened(appeal_id=a, reason="不满意", reopened_at=done + timedelta(days=2)))
    out.append(ev.AppealClosed(appeal_id=a, closed_at=done + timedelta(days=3)))
    return out


def event_stream(total: int, seed: int = 12345) -> Iterator[ev.Event]:
    rng = random.Random(seed)
    produced, n = 0, 0
    while produced < total:
        for event in appeal_events(rng, n)[: total - produced]:
            produced += 1
            yield event
        n += 1


async def _database(settings: Settings, name: str) -> Settings:
    admin_url = settings.database_url
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    bench = settings.model_copy(update={"database_url": urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}")),
                                        "topic_prefix": f"bench-{name}."})
    conn = await asyncpg.connect(bench.database_url)
    await migrate(conn, "assessment", SPEC.migrations)
    await conn.close()
    return bench


async def load_facts(pool: asyncpg.Pool, events: int) -> float:
    started = time.perf_counter()
    chunk: list[tuple] = []
    async with pool.acquire() as conn:
        for event in event_stream(events):
            f = fact_of(event, uuid.uuid4(), event.event_type)
            if f is not None:
                chunk.append((f.appeal_id, f.kind, f.unit_code, f.occurred_at, f.period, f.attempt, f.level, f.flag,
                              f.label, f.other_unit, list(f.co_units), f.tracking_number, f.event_id, f.event_type))
            if len(chunk) >= 50_000:
                await conn.copy_records_to_table("appeal_facts", records=chunk, columns=_COPY_COLUMNS)
                chunk.clear()
        if chunk:
            await conn.copy_records_to_table("appeal_facts", records=chunk, columns=_COPY_COLUMNS)
        await conn.execute("ANALYZE appeal_facts")
    return time.perf_counter() - started


async def time_recompute(pool: asyncpg.Pool, runs: int) -> tuple[list[float], list[float], list[dict]]:
    loads, totals, rows = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        await repository.facts_of_period(pool, PERIOD)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        rows = (await reports.month_report(pool, PERIOD)).rows()
        totals.append(time.perf_counter() - started)
    return loads, totals, rows


async def produce_log(settings: Settings, events: int) -> float:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(settings.topic(t), 6, 1) for t in CONSUMED_TOPICS])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=20, max_batch_size=256 * 1024)
    await producer.start()
    started = time.perf_counter()
    try:
        for event in event_stream(events, seed=99):
            e = Envelope.wrap(event, source="/hotline/bench")
            await producer.send(settings.topic(event.topic), e.body(), key=e.key(),
                                headers=[(k, v.encode()) for k, v in e.headers().items()])
        await producer.flush()
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def _cleanup(settings: Settings, bench: Settings, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(bench.topic_prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()
    conn = await asyncpg.connect(settings.database_url)
    await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await conn.close()


async def main(events: int, replay_events: int, runs: int) -> None:
    settings = Settings()
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    bench = await _database(settings, name)
    pool = await create_pool(bench.database_url, "assessment", min_size=1, max_size=2)
    try:
        loaded = await load_facts(pool, events)
        print(f"stored {events:,} appeal events as facts in {loaded:.1f} s (COPY)")
        loads, totals, rows = await time_recompute(pool, runs)
        print(f"recompute {PERIOD} ({events:,} events, {sum(r['received'] for r in rows):,} appeals, {len(rows)} units): "
              f"median {statistics.median(totals):.2f} s (of which reading the facts {statistics.median(loads):.2f} s), "
              f"{runs} runs: {', '.join(f'{t:.2f}' for t in totals)}")
        if replay_events:
            await pool.execute("TRUNCATE appeal_facts")
            produced = await produce_log(bench, replay_events)
            direct = [fact_of(e, uuid.uuid4(), e.event_type) for e in event_stream(replay_events, seed=99)]
            async with pool.acquire() as conn:
                await repository.store_facts(conn, [f for f in direct if f])
            expected = (await reports.month_report(pool, PERIOD)).rows()
            stats = await replay(bench)
            replayed = (await reports.month_report(pool, PERIOD)).rows()
            print(f"produce {replay_events:,} events to Kafka: {replay_events / produced:,.0f} events/s (reference)")
            print(f"replay: {stats['events']:,} events in {stats['seconds']:.1f} s = {stats['events_per_second']:,.0f} events/s; "
                  f"scores identical to direct application: {replayed == expected}")
    finally:
        await pool.close()
        await _cleanup(settings, bench, name)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.assessment.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="appeal events in the month (default 2,000,000)")
    parser.add_argument("--replay-events", type=int, default=100_000, help="events to replay from Kafka (0: skip)")
    parser.add_argument("--runs", type=int, default=3, help="recompute runs (median reported)")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.replay_events, args.runs))


if __name__ == "__main__":
    cli()
