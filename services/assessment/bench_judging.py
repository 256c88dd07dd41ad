"""Micro-benchmark of the judging the replay, the rebuild and the consumer share (no broker, no database).

    python -m services.assessment.bench_judging [--events 200000] [--runs 5] [--digest] [--copy]

The bench month's events (bench_events.py) go through JSON and back, as the replay decodes
them (so each time carries pydantic's own tzinfo object), become facts (`fact_of`) grouped by
appeal, and are then judged as `rebuild.store_verdicts` judges them: `judge` -> `rows_of` per
appeal, and per chunk of rows the COPY values and the totals' difference (`delta`, `group_of`,
`moment_delta`). Prints the CPU microseconds per event of that judging, median of --runs.
With --digest, also a hash of everything it produced: two versions of the rules that print the
same digest gave the same rows, values and totals. With --copy, also the client CPU of the COPY
of those rows (asyncpg encoding them) into a temporary table on HOTLINE_DATABASE_URL: the rest
of what store_verdicts spends per row. Nothing is kept in the database.
"""

import argparse
import asyncio
import dataclasses
import gc
import hashlib
import random
import statistics
import time
import uuid
from collections.abc import Iterable
from typing import Any

import asyncpg

from services.assessment.adapters.verdicts import _TYPES as TYPES
from services.assessment.bench_events import appeal_stream
from services.assessment.domain.appeals import judge
from services.assessment.domain.facts import Fact, fact_of
from services.assessment.domain.verdicts import COLUMNS, delta, group_of, moment_delta, rows_of, values
from services.assessment.rebuild import PIPELINED_CHUNK
from shared.settings import Settings

Appeals = list[tuple[uuid.UUID, list[Fact]]]


def month_of_facts(events: int, seed: int = 12345) -> Appeals:
    """The bench month's facts by appeal, decoded from JSON like the replay's (ids seeded, so two runs judge the same facts)."""
    rng = random.Random(seed)
    appeals: Appeals = []
    for lifecycle in appeal_stream(events, seed=seed):
        appeal_id = uuid.UUID(int=rng.getrandbits(128))  # the generator's own are random
        facts = []
        for event in lifecycle:
            decoded = type(event).__pydantic_validator__.validate_json(event.model_dump_json())
            fact = fact_of(decoded, uuid.UUID(int=rng.getrandbits(128)), event.event_type)
            if fact is not None:
                facts.append(fact._replace(appeal_id=appeal_id))
        if facts:
            appeals.append((appeal_id, facts))
    return appeals


def judge_all(appeals: Appeals) -> list[Any]:
    """What store_verdicts computes: rows per appeal, per chunk its COPY values and totals."""
    out: list[Any] = []
    rows: list = []
    for appeal_id, facts in appeals:
        rows.extend(rows_of(judge(appeal_id, facts)))
        if len(rows) >= PIPELINED_CHUNK:
            out.append(_chunk(rows))
            rows = []
    out.append(_chunk(rows))
    return out


def _chunk(rows: list) -> tuple[Any, ...]:
    return ([values(r) for r in rows], delta([], rows), group_of(rows), moment_delta([], rows))


def cpu_seconds(appeals: Appeals) -> float:
    gc.collect()
    gc.disable()  # as in the replay (replay.py pauses the collector)
    try:
        started = time.process_time()
        judge_all(appeals)
        return time.process_time() - started
    finally:
        gc.enable()


async def copy_cpu_seconds(database_url: str, appeals: Appeals, runs: int) -> list[float]:
    """Client CPU of COPYing the month's rows, once per run, into a temporary table."""
    records = [r for found in judge_all(appeals) for r in found[0]]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"CREATE TEMP TABLE bench_verdicts ({', '.join(f'{c} {TYPES[c]}' for c in COLUMNS)})")
        spent = []
        for _ in range(runs):
            await conn.execute("TRUNCATE bench_verdicts")
            started = time.process_time()
            await conn.copy_records_to_table("bench_verdicts", records=records, columns=list(COLUMNS))
            spent.append(time.process_time() - started)
        return spent
    finally:
        await conn.close()


def digest(chunks: Iterable[Any]) -> str:
    """A hash of the results that does not depend on which tzinfo object a time carries."""
    h = hashlib.sha256()
    for found in chunks:
        h.update(repr(_plain(found)).encode())
    return h.hexdigest()[:16]


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return sorted((_plain(k), _plain(v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return tuple(_plain(v) for v in x)
    if dataclasses.is_dataclass(x):  # a row as its values, whatever class holds them
        return tuple(_plain(getattr(x, f.name)) for f in dataclasses.fields(x))
    if hasattr(x, "utcoffset") and hasattr(x, "timestamp"):  # an aware time: its instant
        return ("t", x.timestamp())
    return x


def _report(what: str, runs: list[float], events: int) -> None:
    per_event = [s / events * 1e6 for s in runs]
    runs_text = ", ".join(f"{x:.2f}" for x in per_event)
    print(f"{what} CPU us/event: median {statistics.median(per_event):.2f} (runs {runs_text})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--digest", action="store_true")
    parser.add_argument("--copy", action="store_true")
    args = parser.parse_args()
    appeals = month_of_facts(args.events)
    events = sum(len(f) for _, f in appeals)
    print(f"{events} facts of {len(appeals)} appeals")
    _report("judging", [cpu_seconds(appeals) for _ in range(args.runs)], events)
    if args.copy:
        database_url = Settings(env="development").database_url  # HOTLINE_DATABASE_URL or the local stack's
        _report("COPY", asyncio.run(copy_cpu_seconds(database_url, appeals, args.runs)), events)
    if args.digest:
        print("digest", digest(judge_all(appeals)))


if __name__ == "__main__":
    main()
