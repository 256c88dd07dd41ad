"""Benchmark: reading a month's scores, closing it, keeping verdicts live, and replaying from Kafka.

    python -m services.assessment.bench [--events 2000000] [--replay-events 100000] [--replay-runs 3] [--reads 50]

Stores N synthetic events of one month as facts (COPY), judges them into verdict rows and
running totals (the rebuild), then times: the scores read (median and p99 of --reads), a
unit's drill-down, closing the month, the live consumer's path (events applied in batches
as the handler does), and the replay from Kafka (checking the replayed scores equal direct
application). Works in a throwaway database and topic prefix on the configured stack
(HOTLINE_*) and drops both at the end. No asserts on time (the machines are shared).
"""

import argparse
import ast
import asyncio
import os
import statistics
import sys
import time
import uuid
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from services.assessment import handlers, reports
from services.assessment.adapters import closings, repository
from services.assessment.adapters import verdicts as verdicts_sql
from services.assessment.adapters import weights as weights_sql
from services.assessment.api.drilldown import drill_down
from services.assessment.bench_events import appeal_stream, event_stream, produce_log
from services.assessment.domain.facts import fact_of
from services.assessment.domain.report import verdict_rows, verdicts
from services.assessment.domain.verdicts import COLUMNS, VerdictRow, values
from services.assessment.entrypoint import SPEC
from services.assessment.rebuild import rebuild
from shared.contracts.local_time import SHANGHAI
from shared.db import create_pool
from shared.migrations import migrate
from shared.settings import Settings

PERIOD = "2026-03"
NOW = datetime(2026, 4, 10, 12, tzinfo=SHANGHAI)   # most of March decided, its last letters still running
_COPY_COLUMNS = ["appeal_id", "kind", "unit_code", "occurred_at", "period", "attempt", "level", "flag", "label",
                 "other_unit", "co_units", "tracking_number", "event_id", "event_type"]


async def _database(settings: Settings, name: str) -> Settings:
    admin_url = settings.database_url
    conn = await asyncpg.connect(admin_url)
    await conn.execute(f"CREATE DATABASE {name}")
    await conn.close()
    bench = settings.model_copy(update={"database_url": urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}")),
                                        "topic_prefix": f"{name}."})
    conn = await asyncpg.connect(bench.database_url)
    await migrate(conn, "assessment", SPEC.migrations)
    await conn.close()
    return bench



async def load_facts(pool: asyncpg.Pool, events: int, judge_too: bool) -> float:
    """COPY the month's facts; with `judge_too`, also each appeal's verdict rows and the totals,
    judged as the generator hands out each appeal (the pure rules the consumer uses)."""
    started = time.perf_counter()
    facts: list[tuple] = []
    rows: list[VerdictRow] = []
    async with _acquire(pool) as conn:
        for appeal in appeal_stream(events):
            found = [f for e in appeal if (f := fact_of(e, uuid.uuid4(), e.event_type)) is not None]
            facts.extend((f.appeal_id, f.kind, f.unit_code, f.occurred_at, f.period, f.attempt, f.level, f.flag,
                          f.label, f.other_unit, list(f.co_units), f.tracking_number, f.event_id, f.event_type)
                         for f in found)
            if judge_too and found:
                rows.extend(verdict_rows(verdicts(found)))
            if len(facts) >= 50_000:
                await _flush(conn, facts, rows)
        await _flush(conn, facts, rows)
        await conn.execute("ANALYZE appeal_facts")
        await conn.execute("ANALYZE appeal_verdicts")
    return time.perf_counter() - started


async def _flush(conn: asyncpg.Connection, facts: list[tuple], rows: list[VerdictRow]) -> None:
    if facts:
        await conn.copy_records_to_table("appeal_facts", records=facts, columns=_COPY_COLUMNS)
    if rows:
        await conn.copy_records_to_table("appeal_verdicts", records=[values(r) for r in rows], columns=list(COLUMNS))
        await verdicts_sql.add_to_totals(conn, [], rows)
    facts.clear()
    rows.clear()


def _acquire(pool: asyncpg.Pool) -> AbstractAsyncContextManager[asyncpg.Connection]:
    """The pool's connection proxy as the connection it stands for (what the adapters take)."""
    return cast(AbstractAsyncContextManager[asyncpg.Connection], pool.acquire())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def time_reads(pool: asyncpg.Pool, runs: int) -> tuple[list[float], list[dict]]:
    took, rows = [], []
    for _ in range(runs):
        started = time.perf_counter()
        rows = (await reports.month_report(pool, PERIOD, NOW)).rows()
        took.append(time.perf_counter() - started)
    return took, rows


async def time_drill_down(pool: asyncpg.Pool, unit_code: str) -> tuple[float, int]:
    started = time.perf_counter()
    report = await reports.month_report(pool, PERIOD, NOW)
    found = await drill_down(pool, report, unit_code)
    return time.perf_counter() - started, len(found["appeals"])


async def time_close(pool: asyncpg.Pool) -> float:
    """What POST /v1/periods/{p}/close does inside its transaction (without the outbox row)."""
    started = time.perf_counter()
    async with _acquire(pool) as conn, conn.transaction():
        weights = await weights_sql.current(conn)
        report = await reports.month_report(conn, PERIOD, NOW, weights)
        await closings.close(conn, PERIOD, weights.version, "bench", NOW, uuid.uuid4(), report.published())
    return time.perf_counter() - started


async def time_live(pool: asyncpg.Pool, events: int, judge: bool, month: int, batch: int = 500) -> float:
    """The consumer's path for `events` new events (another month), in batches: events/s.
    Without `judge`, only storing the facts: the consumer before verdicts, for reference."""
    stream = [fact_of(e, uuid.uuid4(), e.event_type) for e in event_stream(events, seed=month, month=month)]
    facts = [f for f in stream if f]
    started = time.perf_counter()
    for i in range(0, len(facts), batch):
        chunk = facts[i:i + batch]
        async with _acquire(pool) as conn, conn.transaction():
            if judge:
                await handlers.apply_facts(conn, chunk)
            else:
                await repository.store_facts(conn, chunk)
    return events / (time.perf_counter() - started)



async def _replay_in_own_process(bench: Settings) -> dict:
    """One replay as `hotline replay assessment` runs it: a fresh process (runs in one process
    slowed down one after the other, so each would measure the ones before it too)."""
    env = {**os.environ, "HOTLINE_DATABASE_URL": bench.database_url, "HOTLINE_TOPIC_PREFIX": bench.topic_prefix,
           "HOTLINE_ENV": bench.env}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "services.assessment.replay", env=env,
                                                   stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"the replay failed ({process.returncode})")
    stats: dict = ast.literal_eval(out.decode().strip().splitlines()[-1])
    return stats


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


async def main(events: int, replay_events: int, reads: int, live_events: int, with_rebuild: bool,
               replay_runs: int = 3) -> None:
    settings = Settings(env="development")  # a developer's measurement on the local stack
    # Not hotline_bench_*/bench-*: `hotline bench` drops those of earlier runs when it starts.
    name = f"hotline_assessment_bench_{uuid.uuid4().hex[:8]}"
    bench = await _database(settings, name)
    pool = await create_pool(bench.database_url, "assessment", min_size=1, max_size=2)
    try:
        loaded = await load_facts(pool, events, judge_too=not with_rebuild)
        print(f"stored {events:,} appeal events of {PERIOD} as facts"
              f"{'' if with_rebuild else ', verdicts and totals'} in {loaded:.1f} s (COPY, including generating them)")
        if with_rebuild:
            started = time.perf_counter()
            async with _acquire(pool) as conn, conn.transaction():
                appeals = await rebuild(conn)
            await pool.execute("ANALYZE appeal_verdicts; ANALYZE unit_month_totals")
            judged = time.perf_counter() - started
            print(f"rebuild (what replay and migration 003 do): judged {appeals:,} appeals from the stored facts "
                  f"in {judged:.1f} s ({events / judged:,.0f} events/s)")
        pending = await pool.fetchval("SELECT count(*) FROM appeal_verdicts WHERE pending")
        print(f"{pending:,} letters pending (unsigned or not completed: their outcome waits for time or a fact)")
        took, rows = await time_reads(pool, reads)
        print(f"scores read ({len(rows)} units, {sum(r['received'] for r in rows):,} appeals held): "
              f"median {statistics.median(took) * 1000:.1f} ms, p99 {percentile(took, 0.99) * 1000:.1f} ms "
              f"of {reads} reads")
        drill, listed = await time_drill_down(pool, rows[0]["unit_code"])
        print(f"drill-down of {rows[0]['unit_code']} ({listed:,} letters): {drill * 1000:.0f} ms")
        print(f"close {PERIOD}: {await time_close(pool) * 1000:.0f} ms")
        if live_events:
            stored_only = await time_live(pool, live_events, judge=False, month=5)
            judged_too = await time_live(pool, live_events, judge=True, month=4)
            print(f"live consumer path, batches of 500, {live_events:,} events: store facts, judge, replace verdicts, "
                  f"move totals {judged_too:,.0f} events/s; storing the facts alone (before verdicts) "
                  f"{stored_only:,.0f} events/s")
        if replay_events:
            await pool.execute("TRUNCATE appeal_facts, appeal_verdicts, unit_month_totals, pending_moments, period_closings CASCADE")
            produced = await produce_log(bench, replay_events)
            direct = [f for e in event_stream(replay_events, seed=99) if (f := fact_of(e, uuid.uuid4(), e.event_type))]
            for i in range(0, len(direct), 5000):  # the consumer's batches: one lock per appeal of a batch
                async with _acquire(pool) as conn, conn.transaction():
                    await handlers.apply_facts(conn, direct[i:i + 5000])
            expected = (await reports.month_report(pool, PERIOD, NOW)).rows()
            print(f"produce {replay_events:,} events to Kafka: {replay_events / produced:,.0f} events/s (reference)")
            runs = []
            for _ in range(replay_runs):  # each replaces everything the one before rebuilt
                stats = await _replay_in_own_process(bench)
                replayed = (await reports.month_report(pool, PERIOD, NOW)).rows()
                runs.append(stats)
                print(f"replay: {stats['events']:,} events in {stats['seconds']:.1f} s = {stats['events_per_second']:,.0f} "
                      f"events/s; scores identical to direct application: {replayed == expected}; "
                      f"the replay process's CPU {stats['cpu_us_per_event']} us per event")
                print("  phases (s): " + ", ".join(f"{k.removeprefix('seconds_')} {v}" for k, v in stats.items()
                                                   if k.startswith("seconds_")))
            print(f"replay median of {len(runs)}: {statistics.median(r['events_per_second'] for r in runs):,.0f} events/s, "
                  f"{statistics.median(r['cpu_us_per_event'] for r in runs)} us of the replay process's CPU per event")
    finally:
        await pool.close()
        await _cleanup(settings, bench, name)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.assessment.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="appeal events in the month (default 2,000,000)")
    parser.add_argument("--replay-events", type=int, default=100_000, help="events to replay from Kafka (0: skip)")
    parser.add_argument("--reads", type=int, default=50, help="scores reads timed (median and p99 reported)")
    parser.add_argument("--replay-runs", type=int, default=3, help="replays of the same log (median reported)")
    parser.add_argument("--live-events", type=int, default=50_000, help="events applied through the consumer's path")
    parser.add_argument("--rebuild", action="store_true",
                        help="judge the stored month by reading its facts back (rebuild.py) and time it")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.replay_events, args.reads, args.live_events, args.rebuild, args.replay_runs))


if __name__ == "__main__":
    cli()
