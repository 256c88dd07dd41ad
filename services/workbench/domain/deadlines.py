"""How close a deadline is, as a unit handler reads it: working days left and a colour.

Working days follow the official calendar (chinese-calendar: holidays and make-up working
days), the same source sla counts with; sla's uploaded yearly schedules are sla's alone, so
near a newly announced holiday the count here may differ by a day from sla's due time,
which stays the authority (shown beside it).
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import chinese_calendar

from shared.contracts.local_time import SHANGHAI


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package does not know yet: weekdays
        return day.weekday() < 5


def working_days_left(now: datetime, due_at: datetime) -> int:
    """Working days from today until the due day, counting the due day and not today; negative
    when overdue (the working days since it fell due), 0 when it falls due today."""
    today, due = now.astimezone(SHANGHAI).date(), due_at.astimezone(SHANGHAI).date()
    if due_at <= now:
        return -sum(1 for d in _days(due, today) if is_workday(d)) if due < today else 0
    return sum(1 for d in _days(today, due) if is_workday(d))


def _days(after: date, until: date) -> Iterator[date]:
    day = after + timedelta(days=1)
    while day <= until:
        yield day
        day += timedelta(days=1)


def urgency(now: datetime, due_at: datetime | None) -> str:
    """overdue (red), due (today or the next working day: amber), soon (2-3 days: yellow), ok."""
    if due_at is None:
        return "ok"
    if due_at <= now:
        return "overdue"
    left = working_days_left(now, due_at)
    if left <= 1:
        return "due"
    if left <= 3:
        return "soon"
    return "ok"


def _moment(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def overdue_column(overdue_since: datetime | str | None, due_at: datetime | str | None, now: datetime) -> dict[str, object]:
    """The board's 'overdue since' is never blank: sla's mark when its poller has fired, else the
    due time itself once it has passed (late by the deadline, not yet marked), else not overdue."""
    if overdue_since:
        return {"late": True, "late_since": overdue_since, "marked": True}
    due = _moment(due_at)
    if due is not None and due <= now:
        return {"late": True, "late_since": due_at, "marked": False}
    return {"late": False, "late_since": None, "marked": False}
