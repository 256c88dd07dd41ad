"""Lifecycle events reduced to the facts assessment needs, and nothing personal.

The live consumer and the replay both go through `fact_of`, so a rebuilt fact table is the
same as the one built event by event. A fact's identity is (appeal, kind, unit, time): a
logically equal event delivered again under a new event id is the same fact.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.assessment.domain.periods import period_of
from shared.contracts import events as ev

RECEIPTS = ("dispatched", "redispatched")


@dataclass(frozen=True, slots=True)
class Fact:
    appeal_id: UUID
    kind: str
    unit_code: str
    occurred_at: datetime
    event_id: UUID
    event_type: str
    attempt: int | None = None
    level: int | None = None
    flag: bool | None = None
    label: str | None = None
    other_unit: str | None = None
    co_units: tuple[str, ...] = ()
    tracking_number: str | None = None

    @property
    def period(self) -> str | None:
        """The month of a receipt; every number of that letter counts in it."""
        return period_of(self.occurred_at) if self.kind in RECEIPTS else None


def fact_of(data: ev.Event, event_id: UUID, event_type: str) -> Fact | None:
    """The fact an event states, or None for events that do not bear on scores."""
    base = {"event_id": event_id, "event_type": event_type}
    match data:
        case ev.AppealAccepted():
            return Fact(data.appeal_id, "accepted", "", data.accepted_at,
                        tracking_number=data.tracking_number, label=data.appeal_type.value, **base)
        case ev.AppealMerged():
            return Fact(data.appeal_id, "merged", "", data.merged_at, other_unit=str(data.into_appeal_id),
                        tracking_number=data.tracking_number, **base)
        case ev.AppealDispatched():
            return Fact(data.appeal_id, "dispatched", data.unit_code, data.dispatched_at,
                        attempt=data.attempt, label=data.unit_group, co_units=tuple(data.co_unit_codes),
                        tracking_number=data.tracking_number, **base)
        case ev.AppealRedispatched():
            return Fact(data.appeal_id, "redispatched", data.unit_code, data.redispatched_at,
                        attempt=data.attempt, label=data.unit_group, other_unit=data.from_unit_code,
                        co_units=tuple(data.co_unit_codes), **base)
        case ev.AppealSigned():
            return Fact(data.appeal_id, "signed", data.unit_code, data.signed_at, **base)
        case ev.AppealReturned():
            return Fact(data.appeal_id, "returned", data.unit_code, data.returned_at, **base)
        case ev.AppealReplied():
            return Fact(data.appeal_id, "replied", data.unit_code, data.replied_at, label=data.outcome, **base)
        case ev.CoHandlerReplied():
            return Fact(data.appeal_id, "co_replied", data.unit_code, data.replied_at,
                        other_unit=data.lead_unit_code, **base)
        case ev.AppealReopened():
            return Fact(data.appeal_id, "reopened", "", data.reopened_at, **base)
        case ev.AppealClosed():
            return Fact(data.appeal_id, "closed", "", data.closed_at, **base)
        case ev.DeadlineSet():
            return Fact(data.appeal_id, "deadline_set", data.unit_code, data.due_at, label=data.reason, **base)
        case ev.DeadlineStopped():
            return Fact(data.appeal_id, "deadline_stopped", data.unit_code, data.stopped_at, flag=data.met, **base)
        case ev.AppealOverdue():
            return Fact(data.appeal_id, "overdue", data.unit_code, data.overdue_at, **base)
        case ev.SupervisionRaised():
            return Fact(data.appeal_id, "supervised", data.unit_code, data.raised_at, level=data.level, **base)
        case ev.AppealEvaluated():
            return Fact(data.appeal_id, "evaluated", data.unit_code or "", data.evaluated_at,
                        flag=data.solved, label=data.satisfaction, **base)
        case ev.AppealAnsweredAtIntake():
            # The centre's own work (直接办结): no letter, so it counts for no unit (appeals.py).
            return Fact(data.appeal_id, "answered_at_intake", "", data.answered_at,
                        tracking_number=data.tracking_number, label=data.appeal_type.value, **base)
        case ev.ReturnCallRequested():
            return Fact(data.appeal_id, "return_call", data.unit_code or "", data.requested_at,
                        tracking_number=data.tracking_number, **base)
        case ev.ReturnCallDecided():
            # Evidence only: routing turns "reopen" into AppealReopened, "close" into AppealClosed.
            return Fact(data.appeal_id, "return_call_decided", data.unit_code or "", data.decided_at,
                        label=data.decision, **base)
        case ev.SupervisionOrderIssued():
            return Fact(data.appeal_id, "supervision_order", data.unit_code, data.issued_at,
                        label=data.mode, other_unit=str(data.order_id), **base)
        case ev.SupervisionOrderAnswered():
            return Fact(data.appeal_id, "order_answered", data.unit_code, data.answered_at,
                        other_unit=str(data.order_id), **base)
    return None


# The payload types assessment consumes (the entrypoint subscribes a handler to each).
CONSUMED: tuple[type[ev.Event], ...] = (
    ev.AppealAccepted, ev.AppealMerged, ev.AppealDispatched, ev.AppealRedispatched, ev.AppealSigned,
    ev.AppealReturned, ev.AppealReplied, ev.CoHandlerReplied, ev.AppealReopened, ev.AppealClosed,
    ev.DeadlineSet, ev.DeadlineStopped, ev.AppealOverdue, ev.SupervisionRaised, ev.AppealEvaluated,
    ev.AppealAnsweredAtIntake, ev.ReturnCallRequested, ev.ReturnCallDecided,
    ev.SupervisionOrderIssued, ev.SupervisionOrderAnswered,
)


def problem_with(fact: Fact) -> str | None:
    """Why a fact can never be applied, or None. A time without a zone would land in a month
    that depends on the server's local zone, so the same event could score differently."""
    if fact.occurred_at.tzinfo is None or fact.occurred_at.utcoffset() is None:
        return f"{fact.event_type}: the event time has no time zone; send an ISO 8601 time with an offset"
    # A re-dispatch to the unit that returned the letter is the centre upholding the original
    # dispatch (routing's rule "review:upheld"): the unit holds it again, its return counted once.
    return None
