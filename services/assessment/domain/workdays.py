"""Working days on the official Chinese calendar, as sla counts them (assessment may not import sla).

The State Council's yearly schedule moves weekends: some weekdays are holidays, some
Saturdays and Sundays are make-up working days. `chinese-calendar` carries the published
years; for a year it lacks, Monday-Friday minus the fixed-date statutory holidays (the same
provisional rule sla uses). A period counted in days does not include the day it starts on
and ends at 24:00 (Shanghai) of its last working day.
"""

from datetime import date, datetime, time, timedelta
from functools import cache

import chinese_calendar

from shared.contracts.local_time import SHANGHAI

# Holidays whose date never moves (New Year 1 day, Labour Day 2, National Day 3); lunar ones
# cannot be known without the published schedule.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))


@cache
def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the library does not carry yet: provisional
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def end_of_working_days(start: datetime, days: int) -> datetime:
    """24:00 Shanghai of the `days`-th working day after the (Shanghai) day of `start`."""
    return _end_of_working_days(start.astimezone(SHANGHAI).date(), days)


@cache
def _end_of_working_days(day: date, days: int) -> datetime:
    # Cached: every letter has a response window, and a month's letters fall on some thirty days.
    while days > 0:
        day += timedelta(days=1)
        days -= is_workday(day)
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI)


def working_days_after(start: datetime, end: datetime) -> int:
    """Working days after the day of `start` up to and including the day of `end` (Shanghai dates)."""
    return _working_days_between(start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date())


@cache
def _working_days_between(first: date, last: date) -> int:
    # Cached: a month's letters have a few thousand distinct (first, last) pairs, and a replay
    # or rebuild asks for each of them thousands of times.
    return sum(1 for n in range(1, (last - first).days + 1) if is_workday(first + timedelta(days=n)))

