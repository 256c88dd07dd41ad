"""What the bench reads besides Kafka: CPU and memory of the processes, the services' /metrics."""

import os
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from hotline.profiling import cpu_seconds, postgres_cpu_seconds
from shared.contracts.topics import SERVICES

BENCH_PORTS = {name: 28001 + i for i, name in enumerate(SERVICES)}
LOOP_LAG = "hotline_event_loop_lag_seconds"
CONSUMER_LAG = "hotline_consumer_lag"


def cpu(pids: dict[str, int], broker_pid_file: Path | None = None) -> dict[str, float]:
    """CPU seconds so far of each named process, of PostgreSQL, Kafka (the broker whose pid file
    is given; default the local stack's plaintext one) and the bench itself."""
    from hotline.stack.config import StackConfig
    from hotline.stack.processes import alive

    seconds = {name: cpu_seconds(pid) for name, pid in pids.items()}
    seconds["postgresql"] = postgres_cpu_seconds()
    kafka = alive(broker_pid_file or StackConfig().state_dir / "kafka" / "kafka.pid")
    if kafka:
        seconds["kafka"] = cpu_seconds(kafka)
    seconds["bench"] = cpu_seconds(os.getpid())  # its producer and watcher share the machine
    return seconds


def cpu_per_appeal(before: dict[str, float], after: dict[str, float], appeals: int) -> dict[str, float]:
    if not appeals:
        return {}
    return {name: round(1000 * (seconds - before.get(name, 0.0)) / appeals, 2) for name, seconds in after.items()}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM): psutil reports only the current RSS."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


async def scrape(http: httpx.AsyncClient) -> dict[str, str]:
    """Each service's /metrics text (a service that does not answer is left out)."""
    texts = {}
    for name, port in BENCH_PORTS.items():
        try:
            # /metrics is on each service's metrics port (its HTTP port + 1000), not the public one
            texts[name] = (await http.get(f"http://127.0.0.1:{port + 1000}/metrics", timeout=5)).text
        except httpx.HTTPError:
            continue
    return texts


def consumer_lag(text: str) -> int:
    """Records the service's consumer is behind, over all its partitions."""
    return int(sum(sample.value for family in text_string_to_metric_families(text) if family.name == CONSUMER_LAG
                   for sample in family.samples))


def loop_lag_buckets(text: str) -> dict[str, float]:
    """The service's event-loop lag histogram so far: cumulative count per bucket bound (`le`)."""
    return {sample.labels["le"]: sample.value for family in text_string_to_metric_families(text)
            if family.name == LOOP_LAG for sample in family.samples if sample.name == f"{LOOP_LAG}_bucket"}


async def lags(http: httpx.AsyncClient) -> dict[str, int]:
    """Each service's consumer lag from its /metrics."""
    return {name: consumer_lag(text) for name, text in (await scrape(http)).items()}


async def all_loop_lag_buckets() -> dict[str, dict[str, float]]:
    async with httpx.AsyncClient() as http:
        return {name: loop_lag_buckets(text) for name, text in (await scrape(http)).items()}


def loop_stalls(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]],
                bounds: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Per service, how many timer wake-ups between the two scrapes were later than each bound."""
    def later_than(buckets: dict[str, float], bound: str) -> float:
        return buckets.get("+Inf", 0.0) - buckets.get(bound, 0.0)
    return {name: {bound: int(later_than(now, bound) - later_than(before.get(name, {}), bound)) for bound in bounds}
            for name, now in after.items()}
