"""Run a simulated city against the running platform, on the platform's virtual clock.

The driver plays three parts: the channels (submissions to Kafka at their virtual times),
the responsible units (their systems answer transfer letters on hotline.units.actions.v1)
and the 12345 centre's return calls (ratings recorded through publication's operator API).
It follows the platform's own topics to keep a ledger of what happened to every submission.
"""

import asyncio
import heapq
import itertools
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from hotline.simulation.behaviour import Temperament, plan_for, rating_for
from hotline.simulation.generator import Mix, Submission, submissions
from shared.auth import issue_token
from shared.clock import Clock
from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.contracts.events import ReplyToAppeal, RequestExtension, ReturnAppeal, SignAppeal
from shared.kafka.security import client_options
from shared.settings import Settings


@dataclass
class Ledger:
    """What the simulation sent and what the platform said about it."""

    submitted: Counter = field(default_factory=Counter)  # by expectation
    by_channel: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)  # accepted / rejected / merged / held / dead_letter
    rejections: Counter = field(default_factory=Counter)
    dispatches: Counter = field(default_factory=Counter)
    returns: int = 0
    extensions: int = 0
    replies: int = 0
    ratings: int = 0
    overdue: int = 0
    supervision: Counter = field(default_factory=Counter)
    clusters: set = field(default_factory=set)  # concentrated-appeal clusters (ids); alerts repeat as one grows
    started_at: datetime | None = None

    @property
    def decided(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class CitySimulation:
    settings: Settings
    clock: Clock
    seed: int = 7
    appeals: int = 2000
    span: timedelta = timedelta(days=1)
    publication_url: str = "http://127.0.0.1:8004"
    mix: Mix = field(default_factory=Mix)
    temperament: Temperament = field(default_factory=Temperament)
    ledger: Ledger = field(default_factory=Ledger)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._queue: list[tuple[float, int, Callable[[], Awaitable[None]]]] = []
        self._order = itertools.count()
        self._tracking: dict[str, str] = {}  # appeal id -> tracking number
        self._action_ids = itertools.count()

    def wall(self, virtual: datetime) -> float:
        """Wall-clock time (time.time()) at which the platform's clock shows `virtual`."""
        assert self.clock.start is not None, "a simulation runs on a virtual clock"
        return self.clock.anchor + (virtual - self.clock.start).total_seconds() / self.clock.speed

    def later(self, delay: timedelta, action: Callable[[], Awaitable[None]]) -> None:
        heapq.heappush(self._queue, (time.time() + self.clock.seconds_for(delay), next(self._order), action))

    async def run(self, settle: timedelta = timedelta(days=3),
                  progress: Callable[[Ledger, int], None] | None = None) -> Ledger:
        start = self.clock.now()
        self.ledger.started_at = start
        self._producer = AIOKafkaProducer(**client_options(self.settings), enable_idempotence=True, linger_ms=5)
        self._http = httpx.AsyncClient(base_url=self.publication_url, timeout=10, headers={
            "Authorization": f"Bearer {issue_token(self.settings, 'simulated-callback-centre', 'operator')}"})
        await self._producer.start()
        stop, watching = asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(self._watch(stop, watching))
        await watching.wait()  # follow from now on, before the first submission goes out
        try:
            items = list(submissions(self.seed, self.appeals, start, self.span, self.mix))
            sender = asyncio.create_task(self._submit(items))
            end_wall = self.wall(start + self.span + settle)
            while time.time() < end_wall or not sender.done():
                await self._run_due()
                if progress:
                    progress(self.ledger, len(items))
                await asyncio.sleep(0.05)
            await sender
        finally:
            stop.set()
            await watcher
            await self._producer.stop()
            await self._http.aclose()
        return self.ledger

    async def _submit(self, items: list[Submission]) -> None:
        topic = self.settings.topic(topics.SUBMISSIONS)
        for item in items:
            await asyncio.sleep(max(0.0, self.wall(item.at) - time.time()))
            value = item.raw if item.body is None else json.dumps(item.body, ensure_ascii=False).encode()
            await self._producer.send(topic, value, key=item.message_id.encode())
            self.ledger.submitted[item.expect] += 1
            self.ledger.by_channel[item.channel] += 1
        await self._producer.flush()

    async def _run_due(self) -> None:
        while self._queue and self._queue[0][0] <= time.time():
            _, _, action = heapq.heappop(self._queue)
            try:
                await action()
            except httpx.HTTPError:
                pass  # a refused rating (window, already rated) is part of city life

    async def _watch(self, stop: asyncio.Event, watching: asyncio.Event) -> None:
        names = [self.settings.topic(t) for t in (topics.INTAKE, topics.ROUTING, topics.SLA)]
        names.append(self.settings.topic(topics.dead_letter_topic("intake")))
        # A fresh group reading from the end: the ledger counts this run only, not a previous one.
        consumer = AIOKafkaConsumer(*names, **client_options(self.settings), enable_auto_commit=False,
                                    group_id=f"simulation-{uuid.uuid4()}", auto_offset_reset="latest")
        await consumer.start()
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        for partition in consumer.assignment():
            await consumer.position(partition)  # fixes the starting point before the first submission
        watching.set()
        try:
            while not stop.is_set():
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    for record in records:
                        self._observe(record)
        finally:
            await consumer.stop()

    def _observe(self, record) -> None:
        headers = dict(record.headers)
        if record.topic.endswith("deadletter.intake.v1"):
            self.ledger.outcomes["dead_letter"] += 1
            return
        kind = headers.get("ce_type", b"").decode()
        body = json.loads(record.value)
        handle = getattr(self, "_on_" + kind.removeprefix("hotline.").replace(".", "_").replace("-", "_"), None)
        if handle:
            handle(body)

    # intake's outcomes
    def _on_appeal_accepted_v1(self, body: dict) -> None:
        self.ledger.outcomes["accepted"] += 1
        self.ledger.by_type[body["appeal_type"]] += 1
        self._tracking[body["appeal_id"]] = body["tracking_number"]

    def _on_appeal_rejected_v1(self, body: dict) -> None:
        self.ledger.outcomes["rejected"] += 1
        self.ledger.rejections[body["reason_code"]] += 1

    def _on_appeal_merged_v1(self, body: dict) -> None:
        self.ledger.outcomes["merged"] += 1

    def _on_appeal_held_for_review_v1(self, body: dict) -> None:
        self.ledger.outcomes["held"] += 1

    # routing: the units' side
    def _on_appeal_dispatched_v1(self, body: dict) -> None:
        self.ledger.dispatches[body["unit_code"]] += 1
        self._receive_letter(body, body["unit_code"], body["attempt"])

    def _on_appeal_redispatched_v1(self, body: dict) -> None:
        self.ledger.dispatches[body["unit_code"]] += 1
        self._receive_letter(body, body["unit_code"], body["attempt"])

    def _receive_letter(self, body: dict, unit: str, attempt: int) -> None:
        plan = plan_for(self._rng, body.get("appeal_type", ""), body.get("subtype"), attempt, self.temperament)
        appeal = body["appeal_id"]
        if plan.returns:
            self.later(plan.sign_after, lambda: self._act(ReturnAppeal, appeal, unit, reason="经核实，该事项不属于本单位职责范围，请重新派单。"))
            self.ledger.returns += 1
            return
        self.later(plan.sign_after, lambda: self._act(SignAppeal, appeal, unit))
        if plan.extension_days:
            self.later(plan.sign_after + plan.reply_after * 0.5, lambda: self._act(
                RequestExtension, appeal, unit, working_days=plan.extension_days, reason="需协调多个部门现场核查，申请延期。"))
            self.ledger.extensions += 1
        reply = "已安排工作人员现场核查处理，问题已解决。" if plan.outcome == "solved" else "经核查，因客观原因暂无法解决，已向诉求人解释相关政策。"
        self.later(plan.sign_after + plan.reply_after, lambda: self._act(
            ReplyToAppeal, appeal, unit, reply=reply, outcome=plan.outcome))

    def _on_appeal_replied_v1(self, body: dict) -> None:
        self.ledger.replies += 1
        rating = rating_for(self._rng, body["outcome"], self.temperament)
        tracking_number = self._tracking.get(body["appeal_id"])
        if rating is None or tracking_number is None:
            return

        async def rate() -> None:
            response = await self._http.post(
                f"/v1/operator/appeals/{tracking_number}/evaluation",
                json={"satisfaction": rating.satisfaction, "solved": rating.solved, "via": "phone_callback"})
            if response.status_code == 201:
                self.ledger.ratings += 1
        self.later(rating.after, rate)

    # sla: supervision
    def _on_appeal_overdue_v1(self, body: dict) -> None:
        self.ledger.overdue += 1

    def _on_appeal_supervision_raised_v1(self, body: dict) -> None:
        self.ledger.supervision[body["level"]] += 1

    def _on_concentration_detected_v1(self, body: dict) -> None:
        self.ledger.clusters.add(body["cluster_id"])

    async def _act(self, command, appeal_id: str, unit_code: str, **fields) -> None:
        action = command(action_id=f"sim-{self.seed}-{next(self._action_ids)}", appeal_id=appeal_id,
                         unit_code=unit_code, **fields)
        envelope = Envelope.wrap(action, source=f"/units/{unit_code}", time=self.clock.now())
        await self._producer.send(self.settings.topic(topics.UNIT_ACTIONS), envelope.body(), key=envelope.key(),
                                  headers=[(k, v.encode()) for k, v in envelope.headers().items()])
