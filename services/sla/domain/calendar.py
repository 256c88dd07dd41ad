"""Working days on the official Chinese calendar.

The State Council publishes each year's holidays and the weekend days that become
make-up working days. `chinese-calendar` carries the published years; for a year it lacks
(the next year is announced in November or December) the calendar falls back to
Monday-Friday minus the fixed-date statutory holidays and says the result is provisional.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version

import chinese_calendar

# Statutory holidays whose date never moves (the 2025 rules: New Year 1 day, Labour Day 2,
# National Day 3); the lunar ones (Spring Festival, Dragon Boat, Mid-Autumn) and Qingming
# cannot be known without the published schedule.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))


@dataclass(frozen=True)
class YearSchedule:
    """A published schedule: statutory holidays and make-up working days of one year."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    version: str
    # Holiday names as published (e.g. 春节); only for explanations, never for counting.
    names: Mapping[date, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class WorkCalendar:
    loaded: dict[int, YearSchedule] = field(default_factory=dict)
    library_version: str = field(default_factory=lambda: f"chinese-calendar-{version('chinese-calendar')}")

    def is_official(self, year: int) -> bool:
        return year in self.loaded or _library_covers(year)

    def is_workday(self, day: date) -> bool:
        schedule = self.loaded.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True
            return day.weekday() < 5 and day not in schedule.holidays
        if _library_covers(day.year):
            return _library_workday(day)
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

    def version_for(self, years: set[int]) -> str:
        """Name the sources a computation used, so a deadline can say what it rests on."""
        parts = []
        for year in sorted(years):
            if year in self.loaded:
                parts.append(f"{year}:{self.loaded[year].version}")
            elif _library_covers(year):
                parts.append(f"{year}:{self.library_version}")
            else:
                parts.append(f"{year}:provisional")
        return ",".join(parts)


# chinese-calendar validates every date against the min/max of its whole table (about 0.2 ms
# a call); the published data never changes inside a process, so each answer is kept.
@cache
def _library_workday(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))


@cache
def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class Count:
    """The result of counting working days, with its explanation."""

    last_day: date
    counted: tuple[date, ...]
    skipped: tuple[date, ...]
    provisional: bool
    calendar_version: str


def add_working_days(calendar: WorkCalendar, start: date, days: int) -> Count:
    """The `days`-th working day after `start`; the start day itself is never counted."""
    if days < 1:
        raise ValueError("a period has at least one working day")
    counted: list[date] = []
    skipped: list[date] = []
    day = start
    while len(counted) < days:
        day += timedelta(days=1)
        (counted if calendar.is_workday(day) else skipped).append(day)
    years = {d.year for d in (*counted, *skipped)}
    return Count(
        last_day=day,
        counted=tuple(counted),
        skipped=tuple(skipped),
        provisional=not all(calendar.is_official(y) for y in years),
        calendar_version=calendar.version_for(years),
    )


def working_day_after(calendar: WorkCalendar, day: date, n: int) -> date:
    """The n-th working day after `day` (n >= 1), without building an explanation."""
    if n < 1:
        raise ValueError("count at least one working day")
    while n:
        day += timedelta(days=1)
        n -= calendar.is_workday(day)
    return day


def working_day_before(calendar: WorkCalendar, day: date, n: int) -> date:
    """The n-th working day before `day` (n >= 1)."""
    if n < 1:
        raise ValueError("count at least one working day")
    while n:
        day -= timedelta(days=1)
        n -= calendar.is_workday(day)
    return day


def why_skipped(calendar: WorkCalendar, day: date) -> str:
    """Why `day` is not a working day, in words a unit can check against the notice."""
    schedule = calendar.loaded.get(day.year)
    if schedule is not None:
        if day in schedule.holidays:
            return f"holiday: {schedule.names.get(day) or 'statutory holiday'} ({schedule.version})"
        return "weekend"
    if _library_covers(day.year):
        _, name = chinese_calendar.get_holiday_detail(day)
        return f"holiday: {name}" if name else "weekend"
    if (day.month, day.day) in FIXED_HOLIDAYS:
        return "fixed-date statutory holiday (provisional: the year's schedule is not loaded)"
    return "weekend (provisional: the year's schedule is not loaded)"
