"""The ceiling: the platform's hops relayed by bare aiokafka consumers and producers.

Each hop (submission -> intake -> routing -> sla / publication / assessment) runs in its own
process like the services, parses the JSON as a service would and commits offsets at most
once a second; what the platform achieves is compared with what this achieves.
"""

import asyncio
import json
import multiprocessing
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hotline.bench.load import produce_all, produce_paced
from hotline.bench.measure import cpu, cpu_per_appeal
from hotline.bench.report import Report, percentiles
from shared.kafka.security import client_options
from shared.settings import Settings


class Relays:
    """Bare aiokafka relays through the platform's hops, each hop in its own process."""

    def __init__(self, settings: Settings, name: str, count: int) -> None:
        prefix = f"{settings.topic_prefix}{name}."
        self.settings = settings  # the relays' Kafka client (broker, TLS, identity)
        self.chain = {"in": f"{prefix}submissions", "intake": f"{prefix}intake", "routing": f"{prefix}routing",
                      "sla": f"{prefix}sla", "publication": f"{prefix}public"}
        asyncio.run(_create_topics(settings, list(self.chain.values())))
        hops = [("intake", "in", "intake"), ("routing", "intake", "routing"), ("sla", "routing", "sla"),
                ("publication", "routing", "publication"), ("assessment", "routing", None)]
        ctx = multiprocessing.get_context("spawn")
        self.done: Queue[float] = ctx.Queue()
        self._ready: Queue[str] = ctx.Queue()
        self._stop = ctx.Event()
        self.procs = {hop: ctx.Process(target=_relay_process, args=(
            settings, f"{name}-{hop}", self.chain[source], self.chain[target] if target else None,
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
        return {f"relay {hop}": proc.pid for hop, proc in self.procs.items() if proc.pid is not None}


def ceiling(settings: Settings, run: str, count: int) -> float:
    """Appeals per second through bare relays, all sent at once."""
    relays = Relays(settings, "ceiling", count)
    started = time.monotonic()
    asyncio.run(produce_all(settings, relays.chain["in"], f"{run}c", count))
    finished = relays.finished()
    relays.stop()
    return round(count / (max(finished) - started), 1) if finished else 0.0


def ceiling_fixed(settings: Settings, run: str, rate: float, seconds: float, report: Report,
                  broker_pid_file: Path | None = None) -> None:
    """Bare relays fed at the fixed rate: the latency and CPU the bus itself costs at that rate
    (the broker's too, `broker_pid_file`'s; default the plaintext stack's)."""
    total = int(rate * seconds)
    relays = Relays(settings, "ceiling-fixed", total)
    pids = relays.pids()
    before = cpu(pids, broker_pid_file)
    arrived = asyncio.run(_paced_through(settings, relays.chain["in"], relays.chain["routing"], run, rate, total))
    relays.finished()
    report.ceiling_fixed_cpu_ms_per_appeal = cpu_per_appeal(before, cpu(pids, broker_pid_file), total)
    relays.stop()
    report.ceiling_latency_ms = percentiles(arrived)


async def _paced_through(settings: Settings, source: str, watched: str, run: str, rate: float,
                         total: int) -> list[float]:
    """Send `total` submissions at `rate`; return each one's seconds until it reached `watched`."""
    consumer = AIOKafkaConsumer(watched, **client_options(settings), group_id=f"ceiling-watch-{run}",
                                auto_offset_reset="earliest")
    await consumer.start()
    await _assigned(consumer)  # a watcher still joining would add its wait to the first records
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
    await produce_paced(settings, source, f"{run}cf", rate, total,
                        lambda key: sent_at.__setitem__(key, time.monotonic()))
    try:
        await asyncio.wait_for(watching, timeout=60)
    except TimeoutError:
        pass
    await consumer.stop()
    return list(took.values())


async def _assigned(consumer: AIOKafkaConsumer) -> None:
    while not consumer.assignment():
        await asyncio.sleep(0.05)


async def _create_topics(settings: Settings, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, num_partitions=6, replication_factor=1) for n in names])
    finally:
        await admin.close()


def _relay_process(settings: Settings, name: str, source: str, target: str | None, count: int, done: Any, ready: Any,
                   stop: ProcessEvent) -> None:
    import uvloop  # the services' event loop (uvicorn picks it), so the hops differ only in their work

    uvloop.run(_relay(settings, name, source, target, count, done, ready))
    stop.wait(timeout=300)


async def _relay(settings: Settings, name: str, source: str, target: str | None, count: int, done: Any,
                 ready: Any) -> None:
    """Consume, parse the JSON (as a service would), forward; commit offsets at most once a
    second, as the services do."""
    consumer = AIOKafkaConsumer(source, **client_options(settings), group_id=f"ceiling-{name}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    producer = AIOKafkaProducer(**client_options(settings), enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    await _assigned(consumer)
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
