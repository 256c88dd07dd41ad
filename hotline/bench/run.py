"""One bench run from start to end: a fresh environment, the services, the phases, the ceiling."""

import asyncio
import contextlib
import fcntl
import gc
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from hotline.acls import acls, apply
from hotline.bench.access import LOAD, Access, plaintext
from hotline.bench.ceiling import ceiling, ceiling_fixed
from hotline.bench.measure import BENCH_PORTS, all_loop_lag_buckets, cpu_per_appeal, loop_stalls, peak_rss_mb
from hotline.bench.measure import cpu as process_cpu
from hotline.bench.phases import fixed_rate, full_speed, warm_up
from hotline.bench.report import STALL_BOUNDS, Report, print_report
from hotline.profiling import InstructionCounter, Profiler
from hotline.provision import drop_environments, fresh_environment
from hotline.supervisor import Services, children_stopped_on_sigterm
from shared.contracts.topics import SERVICES
from shared.settings import Settings


def run_bench(rate: float, seconds: float, burst: int, out: Path | None, profile: Path | None = None,
              *, warmup: int = 0, access: Access | None = None) -> Report:
    """One run on the local stack; `access` says which broker and identities (default: the
    plaintext broker; `hotline.bench.access.secure()` for TLS + SASL/SCRAM + ACLs)."""
    with one_bench_at_a_time(base_dir()), children_stopped_on_sigterm():
        return _bench(rate, seconds, burst, out, profile, warmup=warmup, access=access or plaintext())


@contextlib.contextmanager
def one_bench_at_a_time(state_dir: Path) -> Iterator[None]:
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


def base_dir() -> Path:
    from hotline.stack.config import StackConfig

    return StackConfig().state_dir


def _bench(rate: float, seconds: float, burst: int, out: Path | None, profile: Path | None,
           *, warmup: int, access: Access, kind: str = "bench") -> Report:
    """One run in a fresh database and topic prefix of `kind` (`hotline_bench_<run>`,
    `bench-<run>.`), which first drops what earlier runs of that kind left (a test passes a kind
    of its own, so that it drops nothing of the stack's)."""
    base = access.settings(Settings())  # the admin on the secure broker: topics, ACLs, watching
    run = uuid.uuid4().hex[:8]
    report = Report(fixed_rate=rate, warmup=warmup, secure=access.secure)
    asyncio.run(drop_environments(base, kind))
    settings = asyncio.run(fresh_environment(base, kind, run))
    if access.secure:
        print(f"  acls: {asyncio.run(apply(settings, acls(settings)))} for {settings.topic_prefix}")
    env, service_env = service_settings(settings, access)
    services = Services(list(SERVICES), base_dir() / f"bench-{run}", env, service_env=service_env)
    load = access.settings(settings, LOAD)  # the submissions come from a channel adapter
    services.start()
    try:
        services.wait_ready(timeout=90)
        if warmup:
            asyncio.run(warm_up(settings, run, warmup, load))
        # The watcher notes when it sees each event: a full collection in this process (100-180 ms)
        # would count as the platform's latency. Freeze what the bench holds, as the services do.
        gc.collect()
        gc.freeze()
        pids = {name: proc.pid for name, proc in services.procs.items()}
        _platform_phases(settings, run, rate, seconds, burst, report, pids, services.log_dir, profile,
                         load, access.broker_pid_file)
        report.peak_rss_mb = {name: peak_rss_mb(proc.pid) for name, proc in services.procs.items()}
    finally:
        services.stop()
    ceiling_fixed(settings, run, rate, seconds, report, access.broker_pid_file)
    report.ceiling_per_s = ceiling(settings, run, burst)
    report.ratio = round(report.platform_per_s / report.ceiling_per_s, 3) if report.ceiling_per_s else 0.0
    asyncio.run(drop_environments(base, kind))
    print_report(report)
    if out:
        out.write_text(json.dumps(asdict(report), indent=2) + "\n")
    return report


def service_settings(settings: Settings, access: Access) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The settings every service process of the run shares (its database, topics, ports), and
    each one's own: its Kafka identity on the secure broker, nothing on the plaintext one."""
    env = {
        "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "HOTLINE_DATABASE_URL": settings.database_url,
        "HOTLINE_TOPIC_PREFIX": settings.topic_prefix, "HOTLINE_LOG_LEVEL": "WARNING",
        **{f"HOTLINE_{name.upper()}_PORT": str(port) for name, port in BENCH_PORTS.items()},
    }
    return env, access.service_env()


def _platform_phases(settings: Settings, run: str, rate: float, seconds: float, burst: int, report: Report,
                     pids: dict[str, int], log_dir: Path, profile: Path | None, load: Settings,
                     broker_pid_file: Path | None) -> None:
    """The fixed-rate then the full-speed phase, with the CPU, instructions and stalls of each."""
    def cpu(pids: dict[str, int]) -> dict[str, float]:
        return process_cpu(pids, broker_pid_file)

    cpu_before = cpu(pids)
    counter = InstructionCounter(log_dir / "perf-fixed.csv")
    lag_before = asyncio.run(all_loop_lag_buckets())
    asyncio.run(fixed_rate(settings, run, rate, seconds, report, load))
    report.loop_stalls = loop_stalls(lag_before, asyncio.run(all_loop_lag_buckets()), STALL_BOUNDS)
    report.note_instructions("fixed rate", counter.stop(), report.fixed_sent)
    report.fixed_cpu_ms_per_appeal = cpu_per_appeal(cpu_before, cpu(pids), report.fixed_sent)
    cpu_before = cpu(pids)
    profiler = Profiler(profile, pids, seconds=20) if profile else None
    counter = InstructionCounter(log_dir / "perf-full.csv")
    asyncio.run(full_speed(settings, run, burst, report, load))
    report.note_instructions("full speed", counter.stop(), report.complete)
    report.cpu_ms_per_appeal = cpu_per_appeal(cpu_before, cpu(pids), report.complete)
    if profiler:
        profiler.wait()
        report.hot_spots = profiler.summary()
