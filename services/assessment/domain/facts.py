"""Lifecycle events reduced to the facts assessment needs, and nothing personal.

The live consumer and the replay both go through `fact_of`, so a rebuilt fact table is the
same as the one built event by event. A fact's identity is (appeal, kind, unit, time): a
logically equal event delivered again under a new event id is the same fact.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import NamedTuple
from uuid import UUID

from services.assessment.domain.periods import period_of
from shared.contracts import events as ev

RECEIPTS = ("dispatched", "redispatched")


class Fact(NamedTuple):
    """One fact (a named tuple: the replay and the consumer build one per event, and reading a
    month back builds millions; a tuple is built four times faster than a frozen dataclass)."""

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
    co_units: Sequence[str] = ()
    tracking_number: str | None = None

    @property
    def period(self) -> str | None:
        """The month of a receipt; every number of that letter counts in it."""
        return period_of(self.occurred_at) if self.kind in RECEIPTS else None


_TIME = Fact._fields.index("occurred_at")
_as_fact = partial(tuple.__new__, Fact)


def fact_of(data: ev.Event, event_id: UUID, event_type: str) -> Fact | None:
    """The fact an event states, or None for events that do not bear on scores. Its time is
    the event's instant in UTC, as facts read back from the table are."""
    for kind in type(data).__mro__:  # the payload's own type first: one lookup, not a match per case
        build = _FACTS.get(kind)
        if build is not None:
            fact: Fact = build(data, event_id, event_type)
            moment = fact.occurred_at
            if moment.tzinfo is not UTC and moment.tzinfo is not None and moment.utcoffset() is not None:
                # One shared tzinfo: every later comparison, sort and COPY of the time takes
                # CPython's and asyncpg's same-zone shortcut instead of asking each time's own
                # zone object (pydantic gives every decoded time one) for its offset.
                # (the same tuple with the time in UTC; NamedTuple._replace's loop cost 1.5 us)
                fact = _as_fact((*fact[:_TIME], moment.astimezone(UTC), *fact[_TIME + 1:]))
            return fact
    return None


# What each consumed payload type states; fact_of picks the entry of the payload's type.
_FACTS: dict[type, Callable[..., Fact]] = {
    ev.AppealAccepted: lambda d, i, t: Fact(d.appeal_id, "accepted", "", d.accepted_at, i, t,
                                            tracking_number=d.tracking_number, label=d.appeal_type.value),
    ev.AppealMerged: lambda d, i, t: Fact(d.appeal_id, "merged", "", d.merged_at, i, t, other_unit=str(d.into_appeal_id),
                                          tracking_number=d.tracking_number),
    ev.AppealDispatched: lambda d, i, t: Fact(d.appeal_id, "dispatched", d.unit_code, d.dispatched_at, i, t,
                                              attempt=d.attempt, label=d.unit_group, co_units=tuple(d.co_unit_codes),
                                              tracking_number=d.tracking_number),
    ev.AppealRedispatched: lambda d, i, t: Fact(d.appeal_id, "redispatched", d.unit_code, d.redispatched_at, i, t,
                                                attempt=d.attempt, label=d.unit_group, other_unit=d.from_unit_code,
                                                co_units=tuple(d.co_unit_codes)),
    ev.AppealSigned: lambda d, i, t: Fact(d.appeal_id, "signed", d.unit_code, d.signed_at, i, t),
    ev.AppealReturned: lambda d, i, t: Fact(d.appeal_id, "returned", d.unit_code, d.returned_at, i, t),
    ev.AppealReplied: lambda d, i, t: Fact(d.appeal_id, "replied", d.unit_code, d.replied_at, i, t, label=d.outcome),
    ev.CoHandlerReplied: lambda d, i, t: Fact(d.appeal_id, "co_replied", d.unit_code, d.replied_at, i, t,
                                              other_unit=d.lead_unit_code),
    ev.AppealReopened: lambda d, i, t: Fact(d.appeal_id, "reopened", "", d.reopened_at, i, t),
    ev.AppealClosed: lambda d, i, t: Fact(d.appeal_id, "closed", "", d.closed_at, i, t),
    ev.DeadlineSet: lambda d, i, t: Fact(d.appeal_id, "deadline_set", d.unit_code, d.due_at, i, t, label=d.reason),
    ev.DeadlineStopped: lambda d, i, t: Fact(d.appeal_id, "deadline_stopped", d.unit_code, d.stopped_at, i, t,
                                             flag=d.met),
    ev.AppealOverdue: lambda d, i, t: Fact(d.appeal_id, "overdue", d.unit_code, d.overdue_at, i, t),
    ev.SupervisionRaised: lambda d, i, t: Fact(d.appeal_id, "supervised", d.unit_code, d.raised_at, i, t,
                                               level=d.level),
    ev.AppealEvaluated: lambda d, i, t: Fact(d.appeal_id, "evaluated", d.unit_code or "", d.evaluated_at, i, t,
                                             flag=d.solved, label=d.satisfaction),
    # The centre's own work (直接办结): no letter, so it counts for no unit (appeals.py).
    ev.AppealAnsweredAtIntake: lambda d, i, t: Fact(d.appeal_id, "answered_at_intake", "", d.answered_at, i, t,
                                                    tracking_number=d.tracking_number, label=d.appeal_type.value),
    ev.ReturnCallRequested: lambda d, i, t: Fact(d.appeal_id, "return_call", d.unit_code or "", d.requested_at, i, t,
                                                 tracking_number=d.tracking_number),
    # Evidence only: routing turns "reopen" into AppealReopened, "close" into AppealClosed.
    ev.ReturnCallDecided: lambda d, i, t: Fact(d.appeal_id, "return_call_decided", d.unit_code or "", d.decided_at,
                                               i, t, label=d.decision),
    ev.SupervisionOrderIssued: lambda d, i, t: Fact(d.appeal_id, "supervision_order", d.unit_code, d.issued_at, i, t,
                                                    label=d.mode, other_unit=str(d.order_id)),
    ev.SupervisionOrderAnswered: lambda d, i, t: Fact(d.appeal_id, "order_answered", d.unit_code, d.answered_at, i, t,
                                                      other_unit=str(d.order_id)),
}


# The payload types assessment consumes (the entrypoint subscribes a handler to each).
CONSUMED: tuple[type[ev.Event], ...] = tuple(_FACTS)


def problem_with(fact: Fact) -> str | None:
    """Why a fact can never be applied, or None. A time without a zone would land in a month
    that depends on the server's local zone, so the same event could score differently."""
    if fact.occurred_at.tzinfo is None or fact.occurred_at.utcoffset() is None:
        return f"{fact.event_type}: the event time has no time zone; send an ISO 8601 time with an offset"
    # Not refused: a re-dispatch to the unit that returned the letter is the centre upholding the original
    # dispatch (routing's rule "review:upheld"): the unit holds it again, its return counted once.
    return None
