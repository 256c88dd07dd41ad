"""The bench's synthetic month (bench.py): appeal lifecycles of 2026 with returns, overdue letters,
supervision, ratings and reopens, as events in a seeded, repeatable order, and those events
written to Kafka for the replay to read.
"""

import random
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from services.assessment.entrypoint import CONSUMED_TOPICS
from shared.contracts import events as ev
from shared.contracts.envelope import Envelope
from shared.contracts.local_time import SHANGHAI
from shared.settings import Settings

GROUPS = ("municipal_department", "district_government", "enterprise", "stationed_unit")
UNITS = [(f"U{g[:3].upper()}{i:02d}", g) for g in GROUPS for i in range(15)]


def appeal_events(rng: random.Random, n: int, month: int = 3) -> list[ev.Event]:
    """One appeal's lifecycle in a month of 2026: 2-11 events, with returns, overdue, ratings, reopens."""
    a = uuid.uuid4()
    unit, group = rng.choice(UNITS)
    t = datetime(2026, month, 1, tzinfo=SHANGHAI) + timedelta(minutes=rng.randrange(30 * 24 * 60))
    tracking = f"SY20260301{n % 10**8:08d}"
    out: list[ev.Event] = [ev.AppealDispatched(
        appeal_id=a, tracking_number=tracking, unit_code=unit, unit_name=unit, unit_group=group, rule_id="r",
        appeal_type="consumer_complaint", category="prices", district="heping", dispatched_at=t)]
    if rng.random() < 0.05:
        other, other_group = rng.choice(UNITS)
        if other != unit:
            out.append(ev.AppealReturned(appeal_id=a, unit_code=unit, reason="不属于本单位", returned_at=t + timedelta(hours=2)))
            t += timedelta(hours=5)
            out.append(ev.AppealRedispatched(appeal_id=a, from_unit_code=unit, unit_code=other, unit_name=other,
                                             unit_group=other_group, reason="re", attempt=2, redispatched_at=t))
            unit = other
    out.append(ev.DeadlineSet(appeal_id=a, unit_code=unit, starts_on=t.date(), working_days=15,
                              due_at=t + timedelta(days=20), provisional=False, calendar_version="bench", reason="dispatched"))
    if rng.random() < 0.02:
        return out  # never signed, never completed: decided by time alone (pending rows)
    out.append(ev.AppealSigned(appeal_id=a, unit_code=unit, signed_at=t + timedelta(hours=rng.choice((1, 5, 30)))))
    if rng.random() < 0.03:
        return out  # still running
    done = t + timedelta(days=rng.randrange(1, 25))
    late = rng.random() < 0.1
    if late:
        out.append(ev.AppealOverdue(appeal_id=a, unit_code=unit, due_at=t + timedelta(days=20), overdue_at=t + timedelta(days=21)))
        if rng.random() < 0.5:
            out.append(ev.SupervisionRaised(appeal_id=a, unit_code=unit, level=rng.randint(1, 3), reason="overdue",
                                            raised_at=t + timedelta(days=22)))
        if rng.random() < 0.3:  # a supervisor's order (督办单), answered or not
            order = uuid.UUID(int=rng.getrandbits(128))
            out.append(ev.SupervisionOrderIssued(appeal_id=a, order_id=order, unit_code=unit, mode="online_tracking",
                                                 instructions="请说明超期原因", issued_by="bench",
                                                 issued_at=t + timedelta(days=21, hours=2)))
            if rng.random() < 0.5:
                out.append(ev.SupervisionOrderAnswered(appeal_id=a, order_id=order, unit_code=unit, answer="已整改",
                                                       answered_by="bench", answered_at=t + timedelta(days=21, hours=6)))
    out.append(ev.AppealReplied(appeal_id=a, unit_code=unit, reply="已办理", outcome=rng.choice(("solved", "explained")),
                                replied_at=done))
    out.append(ev.DeadlineStopped(appeal_id=a, unit_code=unit, due_at=t + timedelta(days=20), stopped_at=done, met=not late))
    if rng.random() < 0.7:
        out.append(ev.AppealEvaluated(appeal_id=a, satisfaction=rng.choice(("satisfied", "basically_satisfied", "dissatisfied")),
                                      solved=rng.random() < 0.8, via="web", evaluated_at=done + timedelta(days=1)))
        if rng.random() < 0.05:
            out.append(ev.AppealReopened(appeal_id=a, reason="不满意", reopened_at=done + timedelta(days=2)))
            if rng.random() < 0.3:  # dissatisfied again: a return call, the centre closes it
                out.append(ev.ReturnCallRequested(appeal_id=a, tracking_number=tracking, unit_code=unit,
                                                  dissatisfied_ratings=2, requested_at=done + timedelta(days=2, hours=5)))
                out.append(ev.ReturnCallDecided(appeal_id=a, tracking_number=tracking, decision="close", reason="已解释",
                                                decided_by="bench", unit_code=unit,
                                                decided_at=done + timedelta(days=2, hours=8)))
    out.append(ev.AppealClosed(appeal_id=a, closed_at=done + timedelta(days=3)))
    return out


def event_stream(total: int, seed: int = 12345, month: int = 3) -> Iterator[ev.Event]:
    rng = random.Random(seed)
    produced, n = 0, 0
    while produced < total:
        for event in appeal_events(rng, n, month)[: total - produced]:
            produced += 1
            yield event
        n += 1



def appeal_stream(total: int, seed: int = 12345, month: int = 3) -> Iterator[list[ev.Event]]:
    """The events of `total`, one appeal's list at a time."""
    rng = random.Random(seed)
    produced, n = 0, 0
    while produced < total:
        events = appeal_events(rng, n, month)[: total - produced]
        produced += len(events)
        n += 1
        yield events



async def produce_log(settings: Settings, events: int) -> float:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(settings.topic(t), 6, 1) for t in CONSUMED_TOPICS])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=20, max_batch_size=256 * 1024)
    await producer.start()
    started = time.perf_counter()
    try:
        for event in event_stream(events, seed=99):
            e = Envelope.wrap(event, source="/hotline/bench")
            await producer.send(settings.topic(event.topic), e.body(), key=e.key(),
                                headers=[(k, v.encode()) for k, v in e.headers().items()])
        await producer.flush()
    finally:
        await producer.stop()
    return time.perf_counter() - started
