"""`hotline bench`: how fast the whole pipeline runs, against what the bus itself allows.

One run, one machine, one broker:
1. the platform at a fixed rate: latency from submission to transfer letter (p50/p95/p99),
   and how often each service's event loop was held (its lag probe's late timers);
2. the platform at full speed: appeals per second from submission until each one is
   dispatched, has a deadline, has a public entry and is counted by assessment;
3. the ceiling: the same payloads relayed through the same hops (submission -> intake ->
   routing -> sla / publication / assessment) by bare aiokafka consumers and producers,
   each hop in its own process like the services: at the fixed rate (latency to routing's
   hop, CPU per appeal) and at full speed (appeals per second);
and every service's peak memory. The services run in their own processes on a fresh
database and topic prefix, so the figures do not mix with anything else on the stack.
"""

import asyncio
import contextlib
import fcntl
import gc
import json
import multiprocessing
import os
import re
import statistics
import time
import uuid
import zlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from hotline.profiling import InstructionCounter, Profiler, cpu_seconds, postgres_cpu_seconds
from hotline.provision import drop_environments, fresh_environment
from hotline.supervisor import Services, children_stopped_on_sigterm
from shared.contracts import topics
from shared.contracts.topics import SERVICES
from shared.settings import Settings

BENCH_PORTS = {name: 28001 + i for i, name in enumerate(SERVICES)}
TEXTS = ("太原街一家超市乱收费，标价和结账价格不一致。", "阳光小区停水两天了，自来水公司没人来修。",
         "幸福家园三天两头停电，供电部门不给说法。", "中街一家药店卖过期药品，要求查处。")
DISTRICTS = ("和平区", "沈河区", "铁西区", "浑南区", "皇姑区", "大东区")


@dataclass
class Report:
    # appeals sent and let through before measuring: a freshly started broker spends 30-50% of
    # a core compiling (its C2 JIT thread) through its first ~9,000 appeals, then ~0.3 core less
    warmup: int = 0
    fixed_rate: float = 0.0
    fixed_sent: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    hop_latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    max_sent: int = 0
    platform_per_s: float = 0.0
    # how long assessment took to answer the count that confirmed the full-speed phase (its
    # month recomputed): not in platform_per_s, which ends when that question was asked
    count_answer_s: float = 0.0
    ceiling_per_s: float = 0.0
    # bare relays fed at the fixed rate: submission -> routing's hop, and the CPU they cost
    ceiling_latency_ms: dict[str, float] = field(default_factory=dict)
    ceiling_fixed_cpu_ms_per_appeal: dict[str, float] = field(default_factory=dict)
    ratio: float = 0.0
    complete: int = 0
    lost: int = 0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    # CPU milliseconds each process spent per appeal in the full-speed phase (less noisy than rates)
    cpu_ms_per_appeal: dict[str, float] = field(default_factory=dict)
    # the same in the fixed-rate phase: where the CPU goes when latency, not throughput, is the target
    fixed_cpu_ms_per_appeal: dict[str, float] = field(default_factory=dict)
    # the most records each service's consumer was behind in the full-speed phase: the stage
    # with the largest queue is the one that limits the rate
    peak_lag: dict[str, int] = field(default_factory=dict)
    hot_spots: dict[str, list] = field(default_factory=dict)
    # millions of instructions the whole machine ran per appeal in each phase (perf stat -a): the
    # figure that moves least with the host's noise, so the one to compare commits by
    instructions_per_appeal: dict[str, float] = field(default_factory=dict)
    # at the fixed rate, how often each service's event loop ran its lag probe's timer more than 50,
    # 100 and 250 ms late (hotline_event_loop_lag_seconds): the stalls the p99 is made of
    loop_stalls: dict[str, dict[str, int]] = field(default_factory=dict)
    # the seconds of the fixed-rate phase with the most appeals slower than SLOW_MS, worst first,
    # with their wall-clock time: a p99 made of one stall shows here as one second, and the time
    # finds it in the broker's GC log or the database's log
    slow_seconds: list[dict] = field(default_factory=list)


SLOW_MS = 250


def submission(run: str, i: int) -> tuple[bytes, bytes]:
    message_id = f"bench-{run}-{i}"
    body = {"channel": "phone", "channel_message_id": message_id, "district": DISTRICTS[i % len(DISTRICTS)],
            "description": TEXTS[i % len(TEXTS)], "appeal_type": "consumer_complaint",
            "category": ("prices", "water_supply", "power_supply", "food_medicine")[i % 4],
            # a phone per submission: one petitioner repeating an open problem would be merged
            "petitioner": {"name": "张伟", "phone": f"13{zlib.crc32(message_id.encode()) % 10**9:09d}"}}
    return message_id.encode(), json.dumps(body, ensure_ascii=False).encode()


def run_bench(rate: float, seconds: float, burst: int, out: Path | None, profile: Path | None = None,
              *, warmup: int = 0) -> Report:
    with one_bench_at_a_time(base_dir()), children_stopped_on_sigterm():
        return _bench(rate, seconds, burst, out, profile, warmup=warmup)


@contextlib.contextmanager
def one_bench_at_a_time(state_dir: Path):
    """Refuse to start while another bench runs on this stack: a run begins by dropping every
    earlier bench's database and topics, which would pull them from under a running one (its
    services then spin on offset commits for topics that are gone)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "bench.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise SystemExit(f"another `hotline bench` (pid {lock.read().strip() or '?'}) is running on this "
                             "stack; starting now would drop its database and topics. Wait for it to end.") from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def _bench(rate: float, seconds: float, burst: int, out: Path | None, profile: Path | None,
           *, warmup: int) -> Report:
    base = Settings()
    run = uuid.uuid4().hex[:8]
    report = Report(fixed_rate=rate, warmup=warmup)
    asyncio.run(drop_environments(base, "bench"))
    settings = asyncio.run(fresh_environment(base, "bench", run))
    env = {
        "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "HOTLINE_DATABASE_URL": settings.database_url,
        "HOTLINE_TOPIC_PREFIX": settings.topic_prefix, "HOTLINE_LOG_LEVEL": "WARNING",
        **{f"HOTLINE_{name.upper()}_PORT": str(port) for name, port in BENCH_PORTS.items()},
    }
    services = Services(list(SERVICES), base_dir() / f"bench-{run}", env)
    services.start()
    try:
        services.wait_ready(timeout=90)
        if warmup:
            asyncio.run(_warm_up(settings, run, warmup))
        # The watcher notes when it sees each event: a full collection in this process (100-180 ms)
        # would count as the platform's latency. Freeze what the bench holds, as the services do.
        gc.collect()
        gc.freeze()
        pids = {name: proc.pid for name, proc in services.procs.items()}
        cpu_before = _cpu(pids)
        counter = InstructionCounter(services.log_dir / "perf-fixed.csv")
        lag_before = asyncio.run(_loop_lag_buckets())
        asyncio.run(_fixed_rate(settings, run, rate, seconds, report))
        report.loop_stalls = loop_stalls(lag_before, asyncio.run(_loop_lag_buckets()))
        _note_instructions(report, "fixed rate", counter.stop(), report.fixed_sent)
        report.fixed_cpu_ms_per_appeal = _cpu_per_appeal(cpu_before, _cpu(pids), report.fixed_sent)
        cpu_before = _cpu(pids)
        profiler = Profiler(profile, pids, seconds=20) if profile else None
        counter = InstructionCounter(services.log_dir / "perf-full.csv")
        asyncio.run(_full_speed(settings, run, burst, report))
        _note_instructions(report, "full speed", counter.stop(), report.complete)
        report.cpu_ms_per_appeal = _cpu_per_appeal(cpu_before, _cpu(pids), report.complete)
        if profiler:
            profiler.wait()
            report.hot_spots = profiler.summary()
        report.peak_rss_mb = {name: _peak_rss_mb(proc.pid) for name, proc in services.procs.items()}
    finally:
        services.stop()
    _ceiling_fixed(settings, run, rate, seconds, report)
    report.ceiling_per_s = _ceiling(settings, run, burst)
    report.ratio = round(report.platform_per_s / report.ceiling_per_s, 3) if report.ceiling_per_s else 0.0
    asyncio.run(drop_environments(base, "bench"))
    _print(report)
    if out:
        out.write_text(json.dumps(asdict(report), indent=2) + "\n")
    return report


def _note_instructions(report: Report, phase: str, instructions: int | None, appeals: int) -> None:
    if instructions is not None and appeals:
        report.instructions_per_appeal[phase] = round(instructions / appeals / 1e6, 1)


def base_dir() -> Path:
    from hotline.stack.config import StackConfig

    return StackConfig().state_dir


class Watcher:
    """Follows the platform's output topics and notes when each appeal reached each stage."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.accepted: dict[str, str] = {}  # appeal id -> channel message id
        self.accepted_at: dict[str, float] = {}
        # wall-clock seconds: when the service decided (the event's own time) and when the
        # watcher saw the event, to split each hop into "waiting to be decided" and "decided ->
        # on the bus" (one machine, one clock)
        self.decided: dict[str, dict[str, float]] = {"intake": {}, "routing": {}}
        self.seen: dict[str, dict[str, float]] = {"intake": {}, "routing": {}}
        # and when the service's producer took the record (its CreateTime), which splits
        # "decided -> on the bus" into the service's part and Kafka's plus the watcher's
        self.produced: dict[str, dict[str, float]] = {"intake": {}, "routing": {}}
        self.dispatched: dict[str, float] = {}
        self.deadline: set[str] = set()
        self.public: set[str] = set()
        self._tracking: dict[str, str] = {}  # tracking number -> appeal id

    async def run(self, stop: asyncio.Event) -> None:
        names = [self.settings.topic(t) for t in (topics.INTAKE, topics.ROUTING, topics.SLA, topics.PUBLIC)]
        consumer = AIOKafkaConsumer(*names, bootstrap_servers=self.settings.kafka_bootstrap,
                                    group_id=f"bench-watch-{uuid.uuid4()}", auto_offset_reset="earliest")
        await consumer.start()
        try:
            while not stop.is_set():
                for records in (await consumer.getmany(timeout_ms=100, max_records=5000)).values():
                    now, wall = time.monotonic(), time.time()
                    for r in records:
                        self._note(r, now, wall)
        finally:
            await consumer.stop()

    def _note(self, record, now: float, wall: float | None = None) -> None:
        kind = dict(record.headers).get("ce_type", b"").decode()
        if kind == "hotline.appeal.accepted.v1":
            body = json.loads(record.value)
            self.accepted[body["appeal_id"]] = body.get("channel_message_id") or ""
            self.accepted_at.setdefault(body["appeal_id"], now)
            self._tracking[body["tracking_number"]] = body["appeal_id"]
            if wall is not None:
                self._decided("intake", body["appeal_id"], body["accepted_at"], wall, record.timestamp)
        elif kind == "hotline.appeal.dispatched.v1":
            self.dispatched.setdefault(record.key.decode(), now)
            if wall is not None:
                self._decided("routing", record.key.decode(), json.loads(record.value)["dispatched_at"], wall,
                              record.timestamp)
        elif kind == "hotline.appeal.deadline-set.v1":
            self.deadline.add(record.key.decode())
        elif kind == "hotline.public.appeal-updated.v1":
            self.public.add(record.key.decode())

    def _decided(self, service: str, appeal: str, at: str, wall: float, sent_ms: int) -> None:
        self.decided[service].setdefault(appeal, datetime.fromisoformat(at).timestamp())
        self.seen[service].setdefault(appeal, wall)
        self.produced[service].setdefault(appeal, sent_ms / 1000)

    def complete(self, phase: str = "") -> int:
        """Appeals through every stage, of those whose submission id starts with `phase`."""
        public_ids = {self._tracking.get(t) for t in self.public}
        return sum(1 for a in self.dispatched if a in self.deadline and a in public_ids
                   and self.accepted.get(a, "").startswith(phase))


async def _counted(http: httpx.AsyncClient) -> int:
    period = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    scores = (await http.get(f"http://127.0.0.1:{BENCH_PORTS['assessment']}/v1/scores",
                             params={"period": period})).json()
    return sum(unit["received"] for unit in scores["units"])


async def _fixed_rate(settings: Settings, run: str, rate: float, seconds: float, report: Report) -> None:
    watcher, stop = Watcher(settings), asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True, linger_ms=1)
    await producer.start()
    sent_at: dict[str, float] = {}
    sent_wall: dict[str, float] = {}
    total = int(rate * seconds)
    started = time.monotonic()
    for i in range(total):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        key, value = submission(f"{run}f", i)
        sent_at[key.decode()], sent_wall[key.decode()] = time.monotonic(), time.time()
        await producer.send(settings.topic(topics.SUBMISSIONS), value, key=key)
    await producer.stop()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ours = [a for a, m in watcher.accepted.items() if m in sent_at and a in watcher.dispatched]
        if len(ours) >= total:
            break
        await asyncio.sleep(0.2)
    stop.set()
    await watching
    ours = [(a, sent_at[m]) for a, m in watcher.accepted.items() if m in sent_at and a in watcher.dispatched]
    report.fixed_sent = total
    report.latency_ms = _percentiles([watcher.dispatched[a] - sent for a, sent in ours])
    report.slow_seconds = slow_seconds(
        [(sent_wall[watcher.accepted[a]], watcher.dispatched[a] - sent) for a, sent in ours])
    # where the time goes: intake (submission -> accepted on the bus), then routing (-> dispatched)
    decided, seen, produced = watcher.decided, watcher.seen, watcher.produced
    report.hop_latency_ms = {
        "intake": _percentiles([watcher.accepted_at[a] - sent for a, sent in ours]),
        "intake, until it decided": _percentiles(
            [decided["intake"][a] - sent_wall[watcher.accepted[a]] for a, _ in ours]),
        "intake, decided -> on the bus": _percentiles(
            [seen["intake"][a] - decided["intake"][a] for a, _ in ours]),
        "intake, decided -> sent": _percentiles(
            [produced["intake"][a] - decided["intake"][a] for a, _ in ours]),
        "routing": _percentiles([watcher.dispatched[a] - watcher.accepted_at[a] for a, _ in ours]),
        "routing, until it decided": _percentiles(
            [decided["routing"][a] - seen["intake"][a] for a, _ in ours if a in decided["routing"]]),
        "routing, decided -> on the bus": _percentiles(
            [seen["routing"][a] - decided["routing"][a] for a, _ in ours if a in decided["routing"]]),
        "routing, decided -> sent": _percentiles(
            [produced["routing"][a] - decided["routing"][a] for a, _ in ours if a in decided["routing"]]),
    }


async def _warm_up(settings: Settings, run: str, count: int) -> None:
    """Send `count` appeals at full speed and wait until they are through (or the time is up)."""
    watcher, stop = Watcher(settings), asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    await _produce_all(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), f"{run}w", count)
    deadline = time.monotonic() + max(120, count / 20)
    while watcher.complete(f"bench-{run}w-") < count and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
    stop.set()
    await watching
    # The services prepared their statements while the tables were empty, and PostgreSQL keeps
    # a generic plan made from those estimates (assessment's closed-month check scanned all its
    # facts per batch) until autovacuum first analyzes the tables, a minute or more later.
    # A platform that has been running has statistics: give the fresh database its own.
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def slow_seconds(appeals: list[tuple[float, float]], top: int = 3) -> list[dict]:
    """Group (wall time sent, latency in s) by the second of sending; the `top` seconds with the
    most appeals slower than SLOW_MS, worst first."""
    by_second: dict[int, list[float]] = {}
    for sent, latency in appeals:
        if latency * 1000 > SLOW_MS:
            by_second.setdefault(int(sent), []).append(latency)
    worst = sorted(by_second.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
    return [{"at": datetime.fromtimestamp(second, UTC).strftime("%H:%M:%S"), "slow": len(latencies),
             "max_ms": round(max(latencies) * 1000, 1)} for second, latencies in worst]


def _percentiles(seconds: list[float]) -> dict[str, float]:
    if len(seconds) < 2:
        return {}
    q = statistics.quantiles([s * 1000 for s in seconds], n=100)
    return {"p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1), "measured": len(seconds)}


async def _full_speed(settings: Settings, run: str, count: int, report: Report) -> None:
    watcher, stop = Watcher(settings), asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    async with httpx.AsyncClient(timeout=60) as http:  # scores recompute the month: slow under load
        counted_before = await _counted(http)
        started = time.monotonic()
        await _produce_all(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), f"{run}m", count)
        deadline = time.monotonic() + max(180, count / 20)
        complete = counted = 0
        next_lag = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_lag:  # which stage the burst queues in front of
                for name, lag in (await _lags(http)).items():
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
    stop.set()
    await watching
    report.max_sent = count
    report.complete = min(complete, counted)
    report.lost = count - report.complete
    report.platform_per_s = round(report.complete / elapsed, 1)


async def _metrics(http: httpx.AsyncClient) -> dict[str, str]:
    """Each service's /metrics text (a service that does not answer is left out)."""
    texts = {}
    for name, port in BENCH_PORTS.items():
        try:
            # /metrics is on each service's metrics port (its HTTP port + 1000), not the public one
            texts[name] = (await http.get(f"http://127.0.0.1:{port + 1000}/metrics", timeout=5)).text
        except httpx.HTTPError:
            continue
    return texts


async def _lags(http: httpx.AsyncClient) -> dict[str, int]:
    """Each service's consumer lag (records behind, all partitions) from its /metrics."""
    return {name: int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                          if line.startswith("hotline_consumer_lag{")))
            for name, text in (await _metrics(http)).items()}


_LAG_BUCKET = re.compile(r'^hotline_event_loop_lag_seconds_bucket\{(?=[^}]*le="([^"]+)")[^}]*\} (\S+)$', re.M)
STALL_BOUNDS = ("0.05", "0.1", "0.25")


async def _loop_lag_buckets() -> dict[str, dict[str, float]]:
    """Each service's event-loop lag histogram so far: cumulative count per bucket bound."""
    async with httpx.AsyncClient() as http:
        texts = await _metrics(http)
    return {name: {bound: float(count) for bound, count in _LAG_BUCKET.findall(text)} for name, text in texts.items()}


def loop_stalls(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> dict[str, dict[str, int]]:
    """Per service, how many timer wake-ups between the two scrapes were later than each bound."""
    def later_than(buckets: dict[str, float], bound: str) -> float:
        return buckets.get("+Inf", 0.0) - buckets.get(bound, 0.0)
    return {name: {bound: int(later_than(now, bound) - later_than(before.get(name, {}), bound))
                   for bound in STALL_BOUNDS}
            for name, now in after.items()}


class _Relays:
    """Bare aiokafka relays through the platform's hops (submission -> intake -> routing ->
    sla / publication / assessment), each hop in its own process like the services."""

    def __init__(self, settings: Settings, name: str, count: int) -> None:
        prefix = f"{settings.topic_prefix}{name}."
        self.bootstrap = settings.kafka_bootstrap
        self.chain = {"in": f"{prefix}submissions", "intake": f"{prefix}intake", "routing": f"{prefix}routing",
                      "sla": f"{prefix}sla", "publication": f"{prefix}public"}
        asyncio.run(_create_ceiling_topics(settings, list(self.chain.values())))
        hops = [("intake", "in", "intake"), ("routing", "intake", "routing"), ("sla", "routing", "sla"),
                ("publication", "routing", "publication"), ("assessment", "routing", None)]
        ctx = multiprocessing.get_context("spawn")
        self.done, self._ready, self._stop = ctx.Queue(), ctx.Queue(), ctx.Event()
        self.procs = {hop: ctx.Process(target=_relay_process, args=(
            self.bootstrap, f"{name}-{hop}", self.chain[source], self.chain[target] if target else None,
            count, self.done, self._ready, self._stop)) for hop, source, target in hops}
        for proc in self.procs.values():
            proc.start()
        for _ in self.procs:  # every consumer has its partitions: records sent now wait for no rebalance
            self._ready.get(timeout=120)

    def finished(self) -> list[float]:
        """When the three end hops saw the last record (monotonic clock); the relays wait for
        `stop` so that their CPU can still be read."""
        return [self.done.get(timeout=300) for _ in range(3)]

    def stop(self) -> None:
        self._stop.set()
        for proc in self.procs.values():
            proc.join(timeout=30)

    def pids(self) -> dict[str, int]:
        return {f"relay {hop}": proc.pid for hop, proc in self.procs.items()}


def _ceiling(settings: Settings, run: str, count: int) -> float:
    """Appeals per second through bare relays, all sent at once."""
    relays = _Relays(settings, "ceiling", count)
    started = time.monotonic()
    asyncio.run(_produce_all(settings.kafka_bootstrap, relays.chain["in"], f"{run}c", count))
    finished = relays.finished()
    relays.stop()
    return round(count / (max(finished) - started), 1) if finished else 0.0


def _ceiling_fixed(settings: Settings, run: str, rate: float, seconds: float, report: Report) -> None:
    """Bare relays fed at the fixed rate: the latency and CPU the bus itself costs at that rate."""
    total = int(rate * seconds)
    relays = _Relays(settings, "ceiling-fixed", total)
    pids = relays.pids()
    before = _cpu(pids)
    arrived = asyncio.run(_paced_through(settings.kafka_bootstrap, relays.chain["in"], relays.chain["routing"],
                                         run, rate, total))
    relays.finished()
    report.ceiling_fixed_cpu_ms_per_appeal = _cpu_per_appeal(before, _cpu(pids), total)
    relays.stop()
    report.ceiling_latency_ms = _percentiles(arrived)


async def _paced_through(bootstrap: str, source: str, watched: str, run: str, rate: float, total: int) -> list[float]:
    """Send `total` submissions at `rate`; return each one's seconds until it reached `watched`."""
    consumer = AIOKafkaConsumer(watched, bootstrap_servers=bootstrap, group_id=f"ceiling-watch-{run}",
                                auto_offset_reset="earliest")
    await consumer.start()
    while not consumer.assignment():  # a watcher still joining would add its wait to the first records
        await asyncio.sleep(0.05)
    sent_at: dict[bytes, float] = {}
    took: dict[bytes, float] = {}

    async def watch() -> None:
        while len(took) < total:
            for records in (await consumer.getmany(timeout_ms=100, max_records=5000)).values():
                now = time.monotonic()
                for record in records:
                    if record.key in sent_at:
                        took.setdefault(record.key, now - sent_at[record.key])

    watching = asyncio.create_task(watch())
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=1)
    await producer.start()
    started = time.monotonic()
    for i in range(total):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        key, value = submission(f"{run}cf", i)
        sent_at[key] = time.monotonic()
        await producer.send(source, value, key=key)
    await producer.stop()
    try:
        await asyncio.wait_for(watching, timeout=60)
    except TimeoutError:
        pass
    await consumer.stop()
    return list(took.values())


async def _create_ceiling_topics(settings: Settings, names: list[str]) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, num_partitions=6, replication_factor=1) for n in names])
    finally:
        await admin.close()


async def _produce_all(bootstrap: str, topic: str, phase: str, count: int) -> None:
    """Send `count` submissions of one phase (`phase` tags their ids) as fast as Kafka takes them."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    await producer.start()
    for i in range(count):
        key, value = submission(phase, i)
        await producer.send(topic, value, key=key)
    await producer.flush()
    await producer.stop()


def _relay_process(bootstrap: str, name: str, source: str, target: str | None, count: int, done, ready,
                   stop) -> None:
    import uvloop  # the services' event loop (uvicorn picks it), so the hops differ only in their work

    uvloop.run(_relay(bootstrap, name, source, target, count, done, ready))
    stop.wait(timeout=300)


async def _relay(bootstrap: str, name: str, source: str, target: str | None, count: int, done, ready) -> None:
    """Consume, parse the JSON (as a service would), forward; commit offsets at most once a
    second, as the services do."""
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=f"ceiling-{name}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    ready.put(name)
    seen = 0
    committed = time.monotonic()
    try:
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=200, max_records=500)).values():
                futures = []
                for record in records:
                    body = json.loads(record.value)
                    if target:
                        futures.append(await producer.send(target, json.dumps(body).encode(), key=record.key))
                seen += len(records)
                await asyncio.gather(*futures)
                if time.monotonic() - committed >= 1.0:
                    await consumer.commit()
                    committed = time.monotonic()
        await consumer.commit()
        if target is None or name.endswith(("sla", "publication")):
            done.put(time.monotonic())
    finally:
        await producer.stop()
        await consumer.stop()


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    from hotline.stack.config import StackConfig
    from hotline.stack.processes import alive

    seconds = {name: cpu_seconds(pid) for name, pid in pids.items()}
    seconds["postgresql"] = postgres_cpu_seconds()
    kafka = alive(StackConfig().state_dir / "kafka" / "kafka.pid")
    if kafka:
        seconds["kafka"] = cpu_seconds(kafka)
    seconds["bench"] = cpu_seconds(os.getpid())  # its producer and watcher share the machine
    return seconds


def _cpu_per_appeal(before: dict[str, float], after: dict[str, float], appeals: int) -> dict[str, float]:
    if not appeals:
        return {}
    return {name: round(1000 * (seconds - before.get(name, 0.0)) / appeals, 2) for name, seconds in after.items()}


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _print(report: Report) -> None:
    if report.warmup:
        print(f"warm-up: {report.warmup} appeals sent first, not measured")
    print(f"fixed rate {report.fixed_rate:.0f}/s, {report.fixed_sent} appeals: submission -> dispatched "
          f"p50 {report.latency_ms.get('p50')} ms, p95 {report.latency_ms.get('p95')} ms, "
          f"p99 {report.latency_ms.get('p99')} ms")
    for hop, figures in report.hop_latency_ms.items():
        print(f"  of which {hop}: p50 {figures.get('p50')} ms, p95 {figures.get('p95')} ms, p99 {figures.get('p99')} ms")
    if report.slow_seconds:
        print(f"  slowest seconds (appeals over {SLOW_MS} ms sent in that second, UTC): " + ", ".join(
            f"{s['at']} {s['slow']} (max {s['max_ms']} ms)" for s in report.slow_seconds))
    _print_cpu("at the fixed rate", report.fixed_cpu_ms_per_appeal)
    print(f"full speed, {report.max_sent} appeals: {report.platform_per_s}/s end to end "
          f"(dispatched + deadline + public + counted), complete {report.complete}, "
          f"not complete when the wait ended {report.lost} (the count's answer took {report.count_answer_s} s, "
          "not in the rate)")
    if report.ceiling_latency_ms:
        figures = report.ceiling_latency_ms
        print(f"ceiling at the fixed rate (bare aiokafka, same hops): submission -> routing's topic "
              f"p50 {figures.get('p50')} ms, p95 {figures.get('p95')} ms, p99 {figures.get('p99')} ms")
        _print_cpu("of the ceiling at the fixed rate", report.ceiling_fixed_cpu_ms_per_appeal)
    print(f"ceiling (bare aiokafka, same hops): {report.ceiling_per_s}/s; platform / ceiling = {report.ratio}")
    print("peak memory (MB): " + ", ".join(f"{k} {v}" for k, v in report.peak_rss_mb.items()))
    _print_cpu("at full speed", report.cpu_ms_per_appeal)
    if report.instructions_per_appeal:
        print("instructions per appeal, whole machine (perf stat -a; compare commits by this): "
              + ", ".join(f"{phase} {m} M" for phase, m in report.instructions_per_appeal.items()))
    else:
        print("instructions per appeal: not measured (perf missing, or this machine hides its counters)")
    if report.loop_stalls:
        print("event loop held at the fixed rate (lag probe's timer later than " + " / ".join(
            f"{float(b) * 1000:.0f}" for b in STALL_BOUNDS) + " ms): " + ", ".join(
            f"{name} " + "/".join(str(n) for n in counts.values()) for name, counts in report.loop_stalls.items()))
    if report.peak_lag:
        print("peak consumer lag at full speed (records): "
              + ", ".join(f"{k} {v}" for k, v in report.peak_lag.items()))
    for service, spots in report.hot_spots.items():
        print(f"profile {service}: " + "; ".join(f"{share}% {frame}" for share, frame in spots[:4]))


def _print_cpu(phase: str, per_appeal: dict[str, float]) -> None:
    if per_appeal:
        print(f"CPU per appeal {phase} (ms): {sum(per_appeal.values()):.1f} in all = "
              + ", ".join(f"{k} {v}" for k, v in per_appeal.items()))
