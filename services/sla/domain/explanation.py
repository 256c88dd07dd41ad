"""A deadline in words: which days were counted and which skipped, and why."""

from dataclasses import dataclass
from datetime import date, datetime

from services.sla.domain.calendar import WorkCalendar, why_skipped
from services.sla.domain.deadlines import deadline_from
from shared.contracts.local_time import SHANGHAI


@dataclass(frozen=True)
class SkippedDay:
    day: date
    why: str


@dataclass(frozen=True)
class Explanation:
    received_at: datetime
    starts_on: date
    working_days: int
    counted: tuple[date, ...]
    skipped: tuple[SkippedDay, ...]
    last_day: date
    due_at: datetime
    provisional: bool
    calendar_version: str
    rule: str


def explain(calendar: WorkCalendar, received_at: datetime, working_days: int) -> Explanation:
    deadline = deadline_from(calendar, received_at, working_days)
    count = deadline.count
    return Explanation(
        received_at=received_at.astimezone(SHANGHAI),
        starts_on=deadline.starts_on,
        working_days=working_days,
        counted=count.counted,
        skipped=tuple(SkippedDay(d, why_skipped(calendar, d)) for d in count.skipped),
        last_day=count.last_day,
        due_at=deadline.due_at,
        provisional=count.provisional,
        calendar_version=count.calendar_version,
        rule=(f"{working_days} working days counted from the day after {deadline.starts_on} "
              f"(Asia/Shanghai); due at 24:00 of {count.last_day}"),
    )
