"""Run a simulated city against the running platform, on the platform's virtual clock.

The driver plays four parts: the channels (submissions to Kafka at their virtual times), the
responsible units (their systems answer transfer letters on hotline.units.actions.v1, and
answer reopened appeals again), the 12345 centre (classifies the appeals intake held for review
through intake's operator API, reviews returned letters through routing's operator API, decides extension requests through sla's supervisor API, makes the return calls
that record ratings and decides the return calls of twice-dissatisfied petitioners through
publication's operator API, and closes the month through
assessment's admin API at the end). It follows the platform's own topics to keep a ledger of
what happened to every submission.

Two ways to keep time (shared/clock.py):

- **stepped** (`stepper` given; `hotline demo`): the driver owns the clock. Each step it moves
  the clock to T, waits until the platform has caught up (the ladder fired what is due at T
  and everything that followed), handles what it saw in a fixed order, does the centre's and
  then the units' and channels' actions due by T, waits again, and only then moves on. The
  same seed gives the same report on a quiet and on a loaded machine.
- **continuous** (`hotline simulate` against a platform on HOTLINE_CLOCK_START/_SPEED): actions
  go out when the shared clock shows their time; a slow platform falls behind the clock.

Every plan comes from a generator seeded by the run's seed and the appeal's stable key (its
submission's id; a duplicate's is its original's), never from the order events were seen.
"""

import asyncio
import functools
import heapq
import itertools
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from hotline.simulation.behaviour import (
    Temperament,
    extension_decision_for,
    intake_review_after,
    plan_for,
    rating_for,
    return_call_for,
    review_for,
    rng_for,
    second_reply_for,
)
from hotline.simulation.generator import Mix, Submission, submissions
from hotline.simulation.stepping import Platform
from shared.auth import issue_token
from shared.clock import Clock, write_clock_file
from shared.contracts import topics
from shared.contracts.envelope import Envelope
from shared.contracts.events import ReplyToAppeal, RequestExtension, ReturnAppeal, SignAppeal
from shared.contracts.local_time import month_of
from shared.kafka.security import client_options
from shared.settings import Settings

CENTRE, UNITS = 0, 1  # within a step the centre's decisions (HTTP, applied at once) go before the units' Kafka actions


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
    reviews: Counter = field(default_factory=Counter)  # the centre's reviews of returns: redispatch / uphold / escalated
    extension_decisions: Counter = field(default_factory=Counter)  # approved / refused / already decided
    intake_reviews: Counter = field(default_factory=Counter)  # held appeals: accepted the model's guess / corrected
    return_calls: Counter = field(default_factory=Counter)  # 差评二次回访 decided: reopen / close
    reopened: int = 0
    second_replies: int = 0
    month_closed: str = ""  # what closing the month answered
    steps: int = 0  # stepped clock: steps taken, and wall seconds spent waiting for the platform
    waited: float = 0.0
    started_at: datetime | None = None

    @property
    def decided(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class Stepper:
    """A stepped clock the driver moves: the file every service reads (HOTLINE_CLOCK_FILE), the
    step, and the fastest pace (virtual seconds per wall second) it may go on a quiet machine."""

    file: str
    step: timedelta = timedelta(hours=1)
    speed: float | None = None  # None: as fast as the platform catches up

    def move(self, moment: datetime) -> None:
        write_clock_file(self.file, moment)


def default_urls() -> dict[str, str]:
    return {name: f"http://127.0.0.1:{port}" for name, port in
            (("intake", 8001), ("routing", 8002), ("sla", 8003), ("publication", 8004), ("assessment", 8005))}


@dataclass
class CitySimulation:
    settings: Settings
    clock: Clock
    seed: int = 7
    appeals: int = 2000
    span: timedelta = timedelta(days=1)
    urls: dict[str, str] = field(default_factory=default_urls)
    mix: Mix = field(default_factory=Mix)
    temperament: Temperament = field(default_factory=Temperament)
    stepper: Stepper | None = None
    ledger: Ledger = field(default_factory=Ledger)

    def __post_init__(self) -> None:
        self._queue: list[tuple[int, datetime, tuple, int, Callable[[], Awaitable[None]]]] = []
        self._order = itertools.count()
        self._tracking: dict[str, str] = {}  # appeal id -> tracking number
        self._keys: dict[str, str] = {}  # appeal id -> its stable key (submission id)
        self._appeals: dict[str, dict] = {}  # appeal id -> unit, district, attempt, replies seen
        self._canonical: dict[str, str] = {}  # submission id -> the id plans are seeded by
        self._held_ids: set[str] = set()  # held for review, not accepted yet
        self._labels: dict[str, tuple] = {}  # submission id -> its true (type, subtype, category)
        self._governments: dict[str, str] = {}  # district code -> its government's unit code
        self._seen: list = []  # records the watcher read, handled after each settle (stepped)
        self._action_ids = itertools.count()

    # --- the queue of things to do, by virtual time -----------------------------------------

    def at(self, when: datetime, phase: int, key: tuple, action: Callable[[], Awaitable[None]]) -> None:
        heapq.heappush(self._queue, (phase if self.stepper else 0, when, key, next(self._order), action))

    def later(self, delay: timedelta, phase: int, key: tuple, action: Callable[[], Awaitable[None]]) -> None:
        self.at(self.clock.now() + delay, phase, key, action)

    async def _run_due(self, now: datetime) -> int:
        """Do everything due by `now`, in (phase, time, key) order; returns how many."""
        ran = 0
        due = sorted((e for e in self._queue if e[1] <= now), key=lambda e: e[:4])
        if not due:
            return 0
        self._queue = [e for e in self._queue if e[1] > now]
        heapq.heapify(self._queue)
        for *_, action in due:
            try:
                await action()
            except httpx.HTTPError:
                pass  # an unreachable API is reported by the counts, not by a crash
            ran += 1
        return ran

    # --- running ----------------------------------------------------------------------------

    async def run(self, settle: timedelta = timedelta(days=3),
                  progress: Callable[[Ledger, int], None] | None = None) -> Ledger:
        start = self.clock.now()
        self.ledger.started_at = start
        self._producer = AIOKafkaProducer(**client_options(self.settings), enable_idempotence=True, linger_ms=5)
        self._http = {name: httpx.AsyncClient(base_url=url, timeout=30) for name, url in self.urls.items()}
        self._tokens = {role: {"Authorization": f"Bearer {issue_token(self.settings, f'simulated-centre-{role}', role)}"}
                        for role in ("operator", "supervisor", "admin")}
        await self._producer.start()
        stop, watching = asyncio.Event(), asyncio.Event()
        watcher = asyncio.create_task(self._watch(stop, watching))
        await watching.wait()  # follow from now on, before the first submission goes out
        try:
            await self._learn_directory()
            items = list(submissions(self.seed, self.appeals, start, self.span, self.mix))
            self._canonical = canonical_ids(items)
            self._labels = {item.message_id: item.label for item in items if item.label}
            for item in items:
                self.at(item.at, UNITS, ("submit", item.message_id), functools.partial(self._submit, item))
            end = start + self.span + settle

            def show() -> None:
                if progress:
                    progress(self.ledger, len(items))
            if self.stepper:
                self._platform = Platform(self.settings, _consumed_topics(), _schemas(),
                                          extra_topics=self._watched_topics())
                await self._platform.start()
                await self._settle(start)  # the services' start-up is through before the first step
                await self._run_stepped(start, end, show)
            else:
                await self._run_continuous(end, show)
            await self._producer.flush()
            await self._close_month(start + self.span / 2)
            if self.stepper:
                await self._settle(self.clock.now())  # the closing's event is through before the report
        finally:
            if self.stepper and getattr(self, "_platform", None):
                await self._platform.stop()
            stop.set()
            await watcher
            await self._producer.stop()
            for client in self._http.values():
                await client.aclose()
        return self.ledger

    async def _run_continuous(self, end: datetime, progress: Callable[[], None]) -> None:
        while True:
            now = self.clock.now()
            await self._run_due(now)
            progress()
            if now >= end and not any(e[2][0] == "submit" for e in self._queue):
                return
            await asyncio.sleep(0.05)

    async def _run_stepped(self, start: datetime, end: datetime, progress: Callable[[], None]) -> None:
        stepper = self.stepper
        assert stepper is not None
        moment = start
        while True:
            began = time.monotonic()
            stepper.move(moment)
            self.ledger.steps += 1
            # After the last step the platform was idle; only timers act on the clock alone.
            if await self._platform.timers_due(moment):
                await self._settle(moment)  # it fires what is due at this instant, and what follows
            while await self._run_due(moment):  # the centre, then the units and channels
                await self._producer.flush()
                await self._settle(moment)
            progress()
            if moment >= end:
                return
            if stepper.speed:  # a quiet machine goes no faster than the chosen pace
                await asyncio.sleep(max(0.0, stepper.step.total_seconds() / stepper.speed
                                        - (time.monotonic() - began)))
            moment = min(moment + stepper.step, end)

    async def _settle(self, moment: datetime) -> None:
        """Wait until every service caught up with `moment`, then handle what the watcher saw."""
        if not self.stepper:
            return
        self.ledger.waited += await self._platform.settle(moment, self._read_up_to)
        seen, self._seen = self._seen, []
        # Within a step: intake's outcomes first, then routing's, then sla's, each in its order;
        # across appeals the order does not matter (plans are per appeal, the queue sorts by key).
        rank = {self.settings.topic(topics.INTAKE): 0, self.settings.topic(topics.ROUTING): 1}
        for record in sorted(seen, key=lambda r: (rank.get(r.topic, 2 if "deadletter" not in r.topic else 0),
                                                   r.topic, r.partition, r.offset)):
            self._observe(record)

    async def _read_up_to(self, ends: dict) -> bool:
        consumer = self._consumer
        for tp in consumer.assignment():
            if tp in ends and await consumer.position(tp) < ends[tp]:
                return False
        return True

    def _watched_topics(self) -> list[str]:
        names = [self.settings.topic(t) for t in (topics.INTAKE, topics.ROUTING, topics.SLA, topics.PUBLICATION)]
        return [*names, self.settings.topic(topics.dead_letter_topic("intake"))]

    async def _watch(self, stop: asyncio.Event, watching: asyncio.Event) -> None:
        # A fresh group reading from the end: the ledger counts this run only, not a previous one.
        consumer = AIOKafkaConsumer(*self._watched_topics(), **client_options(self.settings),
                                    enable_auto_commit=False, group_id=f"simulation-{uuid.uuid4()}",
                                    auto_offset_reset="latest")
        self._consumer = consumer
        await consumer.start()
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        for partition in consumer.assignment():
            await consumer.position(partition)  # fixes the starting point before the first submission
        watching.set()
        try:
            while not stop.is_set():
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    if self.stepper:
                        self._seen.extend(records)  # handled in a fixed order once the step settled
                    else:
                        for record in records:
                            self._observe(record)
        finally:
            await consumer.stop()

    # --- the channels -------------------------------------------------------------------------

    async def _submit(self, item: Submission) -> None:
        value = item.raw if item.body is None else json.dumps(item.body, ensure_ascii=False).encode()
        # On a stepped clock one partition carries every submission, so intake reads a step's
        # submissions in the order they were sent: which of a petitioner's two alike appeals is
        # the earlier one (the other is merged into it) must not depend on how partitions interleave.
        partition = 0 if self.stepper else None
        await self._producer.send(self.settings.topic(topics.SUBMISSIONS), value, key=item.message_id.encode(),
                                  partition=partition)
        self.ledger.submitted[item.expect] += 1
        self.ledger.by_channel[item.channel] += 1

    # --- what the platform said ---------------------------------------------------------------

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

    def _key(self, appeal_id: str) -> str:
        return self._keys.get(appeal_id, appeal_id)

    # intake's outcomes
    def _on_appeal_accepted_v1(self, body: dict) -> None:
        if body["appeal_id"] in self._held_ids:
            self._held_ids.discard(body["appeal_id"])  # counted as held; its review is in intake_reviews
        else:
            self.ledger.outcomes["accepted"] += 1
        self.ledger.by_type[body["appeal_type"]] += 1
        self._tracking[body["appeal_id"]] = body["tracking_number"]
        message = body.get("channel_message_id")
        if message:
            self._keys[body["appeal_id"]] = self._canonical.get(message, message)

    def _on_appeal_rejected_v1(self, body: dict) -> None:
        self.ledger.outcomes["rejected"] += 1
        self.ledger.rejections[body["reason_code"]] += 1

    def _on_appeal_merged_v1(self, body: dict) -> None:
        self.ledger.outcomes["merged"] += 1

    def _on_appeal_held_for_review_v1(self, body: dict) -> None:
        """An operator takes it from the review queue within hours and classifies it as the
        simulation knows it truly is: accepted as the classifier suggested, or corrected."""
        self.ledger.outcomes["held"] += 1
        self._held_ids.add(body["appeal_id"])
        appeal, message = body["appeal_id"], body.get("channel_message_id") or ""
        key = self._canonical.get(message, message or appeal)
        truth = self._labels.get(message)

        async def review() -> None:
            held = await self._held(appeal)
            if held is None:
                self.ledger.intake_reviews["gone from the queue"] += 1
                return
            if truth is None:
                self.ledger.intake_reviews["left (no true label)"] += 1
                return
            # A held appeal has no classification of its own; the model's unsure guess is in its reason.
            as_guessed = model_guess(held.get("reason")) == truth
            decision = {"appeal_type": truth[0], "subtype": truth[1], "category": truth[2],
                        "reason": "人工审核：确认分类，予以受理。" if as_guessed else "人工审核：更正分类后受理。"}
            response = await self._http["intake"].post(f"/v1/appeals/{appeal}/acceptance", json=decision,
                                                       headers=self._tokens["operator"])
            outcome = ("accepted the model's guess" if as_guessed else "corrected") \
                if response.status_code == 200 else f"refused {response.status_code}"
            self.ledger.intake_reviews[outcome] += 1
        self.later(intake_review_after(rng_for(self.seed, key, "intake-review")), CENTRE, (key, 0, "intake-review"),
                   review)

    async def _held(self, appeal: str) -> dict | None:
        """The appeal's entry in intake's review queue, None when it is no longer there."""
        after = None
        while True:
            params = {"limit": 200, **({"after": after} if after else {})}
            page = (await self._http["intake"].get("/v1/review-queue", headers=self._tokens["operator"],
                                                   params=params)).json()
            for item in page.get("items", []):
                if item["appeal_id"] == appeal:
                    return item
            after = page.get("next_after")
            if not after:
                return None

    # routing: the units' side
    def _on_appeal_dispatched_v1(self, body: dict) -> None:
        self.ledger.dispatches[body["unit_code"]] += 1
        self._appeals[body["appeal_id"]] = {"district": body.get("district"), "appeal_type": body.get("appeal_type"),
                                            "subtype": body.get("subtype"), "replies": 0}
        self._receive_letter(body["appeal_id"], body["unit_code"], body["attempt"])

    def _on_appeal_redispatched_v1(self, body: dict) -> None:
        self.ledger.dispatches[body["unit_code"]] += 1
        self._receive_letter(body["appeal_id"], body["unit_code"], body["attempt"])

    def _receive_letter(self, appeal: str, unit: str, attempt: int) -> None:
        info = self._appeals.setdefault(appeal, {"replies": 0})
        info.update(unit=unit, attempt=attempt)
        key = self._key(appeal)
        plan = plan_for(rng_for(self.seed, key, "letter", attempt), info.get("appeal_type") or "",
                        info.get("subtype"), attempt, self.temperament)
        if plan.returns:
            self.later(plan.sign_after, UNITS, (key, attempt, "return"), lambda: self._act(
                ReturnAppeal, appeal, unit, reason="经核实，该事项不属于本单位职责范围，请重新派单。"))
            self.ledger.returns += 1
            return
        self.later(plan.sign_after, UNITS, (key, attempt, "sign"), lambda: self._act(SignAppeal, appeal, unit))
        if plan.extension_days:
            self.later(plan.sign_after + plan.reply_after * 0.5, UNITS, (key, attempt, "extension"), lambda: self._act(
                RequestExtension, appeal, unit, working_days=plan.extension_days, reason="需协调多个部门现场核查，申请延期。"))
            self.ledger.extensions += 1
        reply = "已安排工作人员现场核查处理，问题已解决。" if plan.outcome == "solved" else "经核查，因客观原因暂无法解决，已向诉求人解释相关政策。"
        self.later(plan.sign_after + plan.reply_after, UNITS, (key, attempt, "reply"), lambda: self._act(
            ReplyToAppeal, appeal, unit, reply=reply, outcome=plan.outcome))

    def _on_appeal_returned_v1(self, body: dict) -> None:
        """The centre reviews the return within hours: re-dispatch to the district's government,
        or uphold the first unit (the letter goes back to it)."""
        appeal, returned_by = body["appeal_id"], body["unit_code"]
        info = self._appeals.get(appeal, {})
        key, attempt = self._key(appeal), info.get("attempt", 1)
        review = review_for(rng_for(self.seed, key, "review", attempt), self.temperament)
        government = self._governments.get(info.get("district") or "")
        if review.uphold or government in (None, returned_by):
            decision = {"decision": "uphold", "reason": "经审核，该事项属于原承办单位职责，请按时办理。"}
        else:
            decision = {"decision": "redispatch", "unit_code": government, "reason": "经审核，改派属地政府办理。"}

        async def decide() -> None:
            response = await self._http["routing"].post(f"/v1/appeals/{appeal}/review", json=decision,
                                                        headers=self._tokens["operator"])
            if response.status_code == 200:
                outcome = "escalated" if response.json().get("escalation") else decision["decision"]
                self.ledger.reviews[outcome] += 1
            else:
                self.ledger.reviews[f"refused {response.status_code}"] += 1
        self.later(review.after, CENTRE, (key, attempt, "review"), decide)

    def _on_appeal_extension_requested_v1(self, body: dict) -> None:
        """The centre decides within a day; a request sla refused at once (too late) is gone by then."""
        appeal, unit = body["appeal_id"], body["unit_code"]
        key, attempt = self._key(appeal), self._appeals.get(appeal, {}).get("attempt", 1)
        decision = extension_decision_for(rng_for(self.seed, key, "extension", attempt), self.temperament)

        async def decide() -> None:
            request = await self._pending_extension(appeal, unit)
            if request is None:
                self.ledger.extension_decisions["decided by sla already"] += 1
                return
            response = await self._http["sla"].post(
                f"/v1/extensions/{request['extension_id']}/decision", headers=self._tokens["supervisor"],
                json={"approved": decision.approve,
                      "reason": "同意延期，请在延期内办结。" if decision.approve else "不同意延期，请按原时限办结。"})
            outcome = ("approved" if decision.approve else "refused") if response.status_code == 200 \
                else f"refused {response.status_code}"
            self.ledger.extension_decisions[outcome] += 1
        self.later(decision.after, CENTRE, (key, attempt, "extension-decision"), decide)

    async def _pending_extension(self, appeal: str, unit: str) -> dict | None:
        page = 1
        while True:
            listed = (await self._http["sla"].get("/v1/extensions", headers=self._tokens["supervisor"], params={
                "status": "pending", "unit": unit, "page": page, "page_size": 100})).json()
            for item in listed.get("items", []):
                if item["appeal_id"] == appeal:
                    return item
            if len(listed.get("items", [])) < 100:
                return None
            page += 1

    def _on_appeal_reopened_v1(self, body: dict) -> None:
        """The petitioner was not satisfied: the unit that replied answers again."""
        appeal = body["appeal_id"]
        info = self._appeals.get(appeal)
        self.ledger.reopened += 1
        if not info or "unit" not in info:
            return
        key, unit, n = self._key(appeal), info["unit"], info["replies"]
        after, outcome = second_reply_for(rng_for(self.seed, key, "reopened", n))
        reply = "已再次核查并处理，问题已解决。" if outcome == "solved" else "已再次核查，已向诉求人详细解释相关政策。"

        async def answer() -> None:
            await self._act(ReplyToAppeal, appeal, unit, reply=reply, outcome=outcome)
            self.ledger.second_replies += 1
        self.later(after, UNITS, (key, n, "reply-again"), answer)

    def _on_appeal_replied_v1(self, body: dict) -> None:
        self.ledger.replies += 1
        appeal = body["appeal_id"]
        info = self._appeals.setdefault(appeal, {"replies": 0})
        info["replies"] = info.get("replies", 0) + 1
        key = self._key(appeal)
        rating = rating_for(rng_for(self.seed, key, "rating", info["replies"]), body["outcome"], self.temperament)
        tracking_number = self._tracking.get(appeal)
        if rating is None or tracking_number is None:
            return

        async def rate() -> None:
            response = await self._http["publication"].post(
                f"/v1/operator/appeals/{tracking_number}/evaluation", headers=self._tokens["operator"],
                json={"satisfaction": rating.satisfaction, "solved": rating.solved, "via": "phone_callback"})
            if response.status_code == 201:
                self.ledger.ratings += 1
        self.later(rating.after, CENTRE, (key, info["replies"], "rating"), rate)

    # publication: a second dissatisfied rating is a return call for the centre (差评二次回访)
    def _on_appeal_return_call_requested_v1(self, body: dict) -> None:
        appeal, tracking_number = body["appeal_id"], body["tracking_number"]
        key, n = self._key(appeal), body["dissatisfied_ratings"]
        after, reopen = return_call_for(rng_for(self.seed, key, "return-call", n), self.temperament)
        decision = {"decision": "reopen", "reason": "回访核实问题仍未解决，退回承办单位重新办理。"} if reopen else \
            {"decision": "close", "reason": "回访核实承办单位已依法依规答复，诉求人期望超出政策范围，予以办结。"}

        async def decide() -> None:
            response = await self._http["publication"].post(
                f"/v1/operator/return-calls/{tracking_number}/decision", json=decision,
                headers=self._tokens["operator"])
            outcome = decision["decision"] if response.status_code == 200 else f"refused {response.status_code}"
            self.ledger.return_calls[outcome] += 1
        self.later(after, CENTRE, (key, n, "return-call"), decide)

    # sla: supervision
    def _on_appeal_overdue_v1(self, body: dict) -> None:
        self.ledger.overdue += 1

    def _on_appeal_supervision_raised_v1(self, body: dict) -> None:
        self.ledger.supervision[body["level"]] += 1

    def _on_concentration_detected_v1(self, body: dict) -> None:
        self.ledger.clusters.add(body["cluster_id"])

    # --- the centre's other duties --------------------------------------------------------------

    async def _learn_directory(self) -> None:
        """Which government answers for each district (where the centre re-dispatches returns)."""
        try:
            response = await self._http["routing"].get("/v1/directory", headers=self._tokens["operator"])
            units = response.json().get("units", []) if response.status_code == 200 else []
        except httpx.HTTPError:
            units = []
        self._governments = {u["district"]: u["code"] for u in units
                             if u.get("group") == "district_government" and u.get("district")}

    async def _close_month(self, received: datetime) -> None:
        """Close the month the appeals were received in, if it has ended on the clock."""
        period = month_of(received)
        try:
            response = await self._http["assessment"].post(f"/v1/periods/{period}/close",
                                                           headers=self._tokens["admin"])
        except httpx.HTTPError as exc:
            self.ledger.month_closed = f"{period} not closed: {exc}"
            return
        if response.status_code == 201:
            self.ledger.month_closed = f"{period} closed"
        else:
            detail = response.json().get("detail", response.text) if response.content else response.status_code
            self.ledger.month_closed = f"{period} not closed: {detail}"

    async def _act(self, command, appeal_id: str, unit_code: str, **fields) -> None:
        action = command(action_id=f"sim-{self.seed}-{next(self._action_ids)}", appeal_id=appeal_id,
                         unit_code=unit_code, **fields)
        envelope = Envelope.wrap(action, source=f"/units/{unit_code}", time=self.clock.now())
        await self._producer.send(self.settings.topic(topics.UNIT_ACTIONS), envelope.body(), key=envelope.key(),
                                  headers=[(k, v.encode()) for k, v in envelope.headers().items()])


def model_guess(reason: str | None) -> tuple[str, str | None, str] | None:
    """The label intake's model was unsure of, from the reason it held the appeal for
    (`model 2026... unsure: consumer_complaint/-/heating at 0.21 < 0.30`); None without a model."""
    found = re.search(r"unsure: ([a-z_]+)/([a-z_-]+)/([a-z_]+) at", reason or "")
    if not found:
        return None
    return found[1], None if found[2] == "-" else found[2], found[3]


def canonical_ids(items: list[Submission]) -> dict[str, str]:
    """Submission id -> the id its plans are seeded by. A duplicate (same petitioner, place and
    text) takes its original's: which of the two intake keeps and which it merges can depend on
    the order it reads them, but the surviving appeal then gets the same plan either way."""
    first: dict[str, str] = {}
    canonical = {}
    for item in items:
        if item.body is None:
            continue
        content = json.dumps([item.body.get("petitioner"), item.body.get("district"), item.body.get("description")],
                             ensure_ascii=False, sort_keys=True)
        canonical[item.message_id] = first.setdefault(content, item.message_id)
    return canonical


def _consumed_topics() -> dict[str, tuple[str, ...]]:
    from hotline.registry import service_specs

    return {name: tuple(spec.consumes) for name, spec in service_specs().items() if spec.consumes}


def _schemas() -> list[str]:
    """The event services' schemas, each with its outbox (the workbench has none)."""
    return list(topics.SERVICES)
