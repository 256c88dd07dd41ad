"""The phases run against the platform: warm-up, a fixed rate (latency), full speed (throughput)."""

import asyncio
import time
from datetime import UTC, datetime

import asyncpg
import httpx

from hotline.bench.load import produce_all, produce_paced
from hotline.bench.measure import BENCH_PORTS, lags
from hotline.bench.report import Report, percentiles, slow_seconds
from hotline.bench.watch import Watcher, Watching
from shared.contracts import topics
from shared.contracts.local_time import month_of
from shared.settings import Settings


async def warm_up(settings: Settings, run: str, count: int, load: Settings | None = None) -> None:
    """Send `count` appeals at full speed and wait until they are through (or the time is up).

    In every phase `settings` follows the output topics and `load` (default: the same) sends the
    submissions: on the secure broker the admin and a channel adapter (hotline/bench/access.py)."""
    async with Watching(settings) as watcher:
        await produce_all(load or settings, settings.topic(topics.SUBMISSIONS), f"{run}w", count)
        deadline = time.monotonic() + max(120, count / 20)
        while watcher.complete(f"bench-{run}w-") < count and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
    # The services prepared their statements while the tables were empty, and PostgreSQL keeps
    # a generic plan made from those estimates (assessment's closed-month check scanned all its
    # facts per batch) until autovacuum first analyzes the tables, a minute or more later.
    # A platform that has been running has statistics: give the fresh database its own.
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def fixed_rate(settings: Settings, run: str, rate: float, seconds: float, report: Report,
                     load: Settings | None = None) -> None:
    """Submissions at `rate` for `seconds`: latency to the transfer letter, split by hop."""
    sent_at: dict[str, float] = {}
    sent_wall: dict[str, float] = {}
    total = int(rate * seconds)

    def sent(key: bytes) -> None:
        sent_at[key.decode()], sent_wall[key.decode()] = time.monotonic(), time.time()

    async with Watching(settings) as watcher:
        await produce_paced(load or settings, settings.topic(topics.SUBMISSIONS), f"{run}f", rate, total, sent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_through(watcher, sent_at)) < total:
            await asyncio.sleep(0.2)
    ours = _through(watcher, sent_at)
    report.fixed_sent = total
    report.latency_ms = percentiles([watcher.dispatched[a] - sent for a, sent in ours])
    report.slow_seconds = slow_seconds(
        [(sent_wall[watcher.accepted[a]], watcher.dispatched[a] - sent) for a, sent in ours])
    report.hop_latency_ms = hop_latency(watcher, ours, sent_wall)


def _through(watcher: Watcher, sent_at: dict[str, float]) -> list[tuple[str, float]]:
    """(appeal id, when its submission was sent) of this phase's appeals that were dispatched."""
    return [(a, sent_at[m]) for a, m in watcher.accepted.items() if m in sent_at and a in watcher.dispatched]


def hop_latency(watcher: Watcher, ours: list[tuple[str, float]],
                sent_wall: dict[str, float]) -> dict[str, dict[str, float]]:
    """Where the time goes: intake (submission -> accepted on the bus), then routing (-> dispatched),
    each split at the moment the service decided and the moment its producer sent."""
    decided, seen, produced = watcher.decided, watcher.seen, watcher.produced
    routed = [a for a, _ in ours if a in decided["routing"]]
    return {
        "intake": percentiles([watcher.accepted_at[a] - sent for a, sent in ours]),
        "intake, until it decided": percentiles(
            [decided["intake"][a] - sent_wall[watcher.accepted[a]] for a, _ in ours]),
        "intake, decided -> on the bus": percentiles([seen["intake"][a] - decided["intake"][a] for a, _ in ours]),
        "intake, decided -> sent": percentiles([produced["intake"][a] - decided["intake"][a] for a, _ in ours]),
        "routing": percentiles([watcher.dispatched[a] - watcher.accepted_at[a] for a, _ in ours]),
        "routing, until it decided": percentiles([decided["routing"][a] - seen["intake"][a] for a in routed]),
        "routing, decided -> on the bus": percentiles([seen["routing"][a] - decided["routing"][a] for a in routed]),
        "routing, decided -> sent": percentiles([produced["routing"][a] - decided["routing"][a] for a in routed]),
    }


async def full_speed(settings: Settings, run: str, count: int, report: Report, load: Settings | None = None) -> None:
    """`count` submissions at once: appeals per second until every one is through every stage."""
    async with Watching(settings) as watcher, httpx.AsyncClient(timeout=60) as http:
        # (scores recompute the month: slow under load)
        counted_before = await _counted(http)
        started = time.monotonic()
        await produce_all(load or settings, settings.topic(topics.SUBMISSIONS), f"{run}m", count)
        deadline = time.monotonic() + max(180, count / 20)
        complete = counted = 0
        next_lag = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_lag:  # which stage the burst queues in front of
                for name, lag in (await lags(http)).items():
                    report.peak_lag[name] = max(lag, report.peak_lag.get(name, 0))
                next_lag = time.monotonic() + 2.0
            complete = watcher.complete(f"bench-{run}m-")
            # Asking assessment recomputes its month: ask only once the topics say all are through.
            # The time is taken before asking: the answer counts what was stored when it was
            # asked, and the month's recomputation for the answer is the bench's own cost.
            if complete >= count:
                asked = time.monotonic()
                counted = await _counted(http) - counted_before
                if counted >= count:
                    elapsed = asked - started
                    report.count_answer_s = round(time.monotonic() - asked, 2)
                    break
            await asyncio.sleep(0.25)
        else:
            elapsed = time.monotonic() - started
        if complete < count or counted < count:  # out of time: report how far it got, not zero
            counted = await _counted(http) - counted_before
    report.max_sent = count
    report.complete = min(complete, counted)
    report.lost = count - report.complete
    report.platform_per_s = round(report.complete / elapsed, 1)


async def _counted(http: httpx.AsyncClient) -> int:
    """Appeals assessment counted this month (its scores' `received`, over all units)."""
    period = month_of(datetime.now(UTC))
    scores = (await http.get(f"http://127.0.0.1:{BENCH_PORTS['assessment']}/v1/scores",
                             params={"period": period})).json()
    return sum(unit["received"] for unit in scores["units"])
