"""Following the platform's output topics: when each appeal reached each stage."""

import asyncio
import json
import time
import uuid
from datetime import datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from shared.contracts import topics
from shared.kafka.security import client_options
from shared.settings import Settings


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
        consumer = AIOKafkaConsumer(*names, **client_options(self.settings),
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

    def _note(self, record: ConsumerRecord, now: float, wall: float | None = None) -> None:
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


class Watching:
    """A Watcher running in the background while a phase sends: `async with Watching(s) as w`."""

    def __init__(self, settings: Settings) -> None:
        self.watcher = Watcher(settings)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Watcher:
        self._task = asyncio.create_task(self.watcher.run(self._stop))
        return self.watcher

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
