"""Builders of lifecycle events for assessment's tests (times in Shanghai, November 2026)."""

from datetime import datetime
from uuid import UUID, uuid4

from services.assessment.domain.facts import Fact, fact_of
from shared.contracts import events as ev
from shared.contracts.local_time import SHANGHAI


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def tn(n: int = 0) -> str:
    return f"SY20261102{n:08d}"


class Appeal:
    """One appeal's events, built in lifecycle order (tests shuffle them)."""

    def __init__(self, n: int = 0) -> None:
        self.id: UUID = uuid4()
        self.n = n
        self.events: list[ev.Event] = []

    def dispatched(self, unit: str, when: datetime, group: str = "municipal_department", attempt: int = 1,
                   co: tuple[str, ...] = ()) -> "Appeal":
        self.events.append(ev.AppealDispatched(
            appeal_id=self.id, tracking_number=tn(self.n), unit_code=unit, unit_name=unit, unit_group=group,
            co_unit_codes=co, rule_id="r1", appeal_type="consumer_complaint", category="prices",
            district="heping", attempt=attempt, dispatched_at=when))
        return self

    def redispatched(self, from_unit: str, unit: str, when: datetime, attempt: int = 2,
                     group: str = "municipal_department") -> "Appeal":
        self.events.append(ev.AppealRedispatched(
            appeal_id=self.id, from_unit_code=from_unit, unit_code=unit, unit_name=unit, unit_group=group,
            reason="misrouted", attempt=attempt, redispatched_at=when))
        return self

    def add(self, kind: type[ev.Event], **fields) -> "Appeal":
        self.events.append(kind(appeal_id=self.id, **fields))
        return self

    def signed(self, unit: str, when: datetime) -> "Appeal":
        return self.add(ev.AppealSigned, unit_code=unit, signed_at=when)

    def returned(self, unit: str, when: datetime) -> "Appeal":
        return self.add(ev.AppealReturned, unit_code=unit, reason="不归我单位管辖", returned_at=when)

    def replied(self, unit: str, when: datetime, outcome: str = "solved") -> "Appeal":
        return self.add(ev.AppealReplied, unit_code=unit, reply="已处理", outcome=outcome, replied_at=when)

    def stopped(self, unit: str, when: datetime, met: bool = True) -> "Appeal":
        return self.add(ev.DeadlineStopped, unit_code=unit, due_at=at(28), stopped_at=when, met=met)

    def deadline(self, unit: str, due: datetime, reason: str = "dispatched") -> "Appeal":
        return self.add(ev.DeadlineSet, unit_code=unit, starts_on=due.date(), working_days=5, due_at=due,
                        provisional=False, calendar_version="test", reason=reason)

    def overdue(self, unit: str, when: datetime) -> "Appeal":
        return self.add(ev.AppealOverdue, unit_code=unit, due_at=at(20), overdue_at=when)

    def supervised(self, unit: str, when: datetime, level: int) -> "Appeal":
        return self.add(ev.SupervisionRaised, unit_code=unit, level=level, reason="overdue", raised_at=when)

    def evaluated(self, when: datetime, satisfaction: str = "satisfied", solved: bool = True,
                  unit: str | None = None) -> "Appeal":
        return self.add(ev.AppealEvaluated, satisfaction=satisfaction, solved=solved, via="web",
                        unit_code=unit, evaluated_at=when)

    def reopened(self, when: datetime) -> "Appeal":
        return self.add(ev.AppealReopened, reason="dissatisfied", reopened_at=when)

    def merged(self, when: datetime) -> "Appeal":
        return self.add(ev.AppealMerged, tracking_number=tn(self.n), into_appeal_id=uuid4(),
                        into_tracking_number=tn(self.n + 1), reason="duplicate", merged_at=when)

    def co_replied(self, unit: str, lead: str, when: datetime) -> "Appeal":
        return self.add(ev.CoHandlerReplied, unit_code=unit, lead_unit_code=lead, reply="配合处理", replied_at=when)

    def answered_at_intake(self, when: datetime) -> "Appeal":
        self.events.append(ev.AppealAnsweredAtIntake(
            appeal_id=self.id, tracking_number=tn(self.n), channel="web", appeal_type="public_service_request",
            subtype="consultation", category="social_security", district="heping", description="社保卡怎么补办",
            private=False, classification={"method": "keywords", "matched": ("社保",)},
            answer="携带身份证到任一网点办理", knowledge_entry_id=uuid4(), knowledge_entry_version=1,
            confirmed_by="petitioner", received_at=when, answered_at=when))
        return self

    def return_call(self, when: datetime, unit: str | None = None) -> "Appeal":
        return self.add(ev.ReturnCallRequested, tracking_number=tn(self.n), unit_code=unit,
                        dissatisfied_ratings=2, requested_at=when)

    def return_call_decided(self, when: datetime, decision: str = "close", unit: str | None = None) -> "Appeal":
        return self.add(ev.ReturnCallDecided, tracking_number=tn(self.n), decision=decision,
                        reason="回访后群众表示理解", decided_by="operator-7", unit_code=unit, decided_at=when)

    def ordered(self, unit: str, when: datetime, mode: str = "online_tracking", order: UUID | None = None) -> "Appeal":
        return self.add(ev.SupervisionOrderIssued, order_id=order or uuid4(), unit_code=unit, mode=mode,
                        instructions="请说明办理进展", issued_by="supervisor-1", issued_at=when)

    def order_answered(self, unit: str, order: UUID, when: datetime) -> "Appeal":
        return self.add(ev.SupervisionOrderAnswered, order_id=order, unit_code=unit, answer="已约谈并整改",
                        answered_by="samr-officer", answered_at=when)

    def facts(self) -> list[Fact]:
        return facts_of(self.events)


def facts_of(events: list[ev.Event]) -> list[Fact]:
    found = [fact_of(e, uuid4(), e.event_type) for e in events]
    return [f for f in found if f is not None]
