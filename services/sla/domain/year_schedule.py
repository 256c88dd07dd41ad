"""Checking an operator-loaded yearly schedule before it may change any deadline."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from services.sla.domain.calendar import YearSchedule

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


class InvalidSchedule(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems


def build_schedule(
    year: int, holidays: list[tuple[date, str | None]], workdays: list[date], label: str | None = None
) -> YearSchedule:
    """A YearSchedule from the notice's lists, or InvalidSchedule naming every problem."""
    problems = _problems(year, holidays, workdays)
    if problems:
        raise InvalidSchedule(problems)
    holiday_days = frozenset(d for d, _ in holidays)
    makeup = frozenset(workdays)
    names = {d: name for d, name in holidays if name}
    return YearSchedule(year, holiday_days, makeup, _version(year, holiday_days, makeup, label), names)


def _problems(year: int, holidays: list[tuple[date, str | None]], workdays: list[date]) -> list[Problem]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return [Problem("year", f"must be between {FIRST_YEAR} and {LAST_YEAR}")]
    problems: list[Problem] = []
    seen: set[date] = set()
    for i, (day, _) in enumerate(holidays):
        if day.year != year:
            problems.append(Problem(f"holidays[{i}].date", f"{day} is not in {year}"))
        elif day in seen:
            problems.append(Problem(f"holidays[{i}].date", f"{day} is listed twice"))
        seen.add(day)
    makeup: set[date] = set()
    for i, day in enumerate(workdays):
        if day.year != year:
            problems.append(Problem(f"workdays[{i}]", f"{day} is not in {year}"))
        elif day in seen:
            problems.append(Problem(f"workdays[{i}]", f"{day} is also listed as a holiday"))
        elif day.weekday() < 5:
            problems.append(Problem(f"workdays[{i}]", f"{day} is a weekday; make-up working days are weekend days"))
        elif day in makeup:
            problems.append(Problem(f"workdays[{i}]", f"{day} is listed twice"))
        makeup.add(day)
    if not problems and not _has_a_working_day(year, seen, makeup):
        problems.append(Problem("holidays", f"{year} would have no working day at all"))
    return problems


def _has_a_working_day(year: int, holidays: set[date], makeup: set[date]) -> bool:
    if makeup:
        return True
    day = date(year, 1, 1)
    while day.year == year:
        if day.weekday() < 5 and day not in holidays:
            return True
        day += timedelta(days=1)
    return False


def _version(year: int, holidays: frozenset[date], workdays: frozenset[date], label: str | None) -> str:
    # The content hash makes two different uploads under one label distinguishable in
    # every DeadlineSet.calendar_version that rests on them.
    canon = f"{year}|{','.join(sorted(map(str, holidays)))}|{','.join(sorted(map(str, workdays)))}"
    digest = hashlib.sha256(canon.encode()).hexdigest()[:8]
    return f"{label or 'loaded'}-{digest}"
