"""Working-day arithmetic on the official Chinese calendar (services/sla/domain/calendar.py).

Facts used below come from chinese-calendar 1.11 (the State Council schedule for 2026):
- Spring Festival 2026: Sun Feb 15 .. Mon Feb 23 are holidays; Sat Feb 14 and Sat Feb 28
  are make-up working days.
- New Year 2026: Jan 1-3 holidays, Sun Jan 4 is a make-up working day.
- Mid-Autumn 2026: Fri Sep 25 .. Sun Sep 27 holidays.
- National Day 2026: Oct 1-7 holidays; Sun Sep 20 and Sat Oct 10 are make-up working days.
- 2027 is not in the library: the provisional rule (Mon-Fri minus fixed-date holidays) applies.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest

from services.sla.domain.calendar import (
    FIXED_HOLIDAYS,
    Count,
    WorkCalendar,
    YearSchedule,
    add_working_days,
)

LIB = "chinese-calendar-1.11.0"


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def span(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=i) for i in range((last - first).days + 1))


# --- the facts the tests rely on, checked against the library itself ---------------------


def test_library_facts_for_spring_festival_2026():
    for day in span(d(2, 15), d(2, 23)):
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        assert on_holiday and name == "Spring Festival", day
    for makeup in (d(2, 14), d(2, 28)):
        assert makeup.weekday() == 5  # Saturday
        assert chinese_calendar.is_workday(makeup)


def test_library_facts_for_national_day_2026():
    for day in span(d(10, 1), d(10, 7)):
        assert chinese_calendar.get_holiday_detail(day) == (True, "National Day"), day
    assert d(9, 20).weekday() == 6 and chinese_calendar.is_workday(d(9, 20))
    assert d(10, 10).weekday() == 5 and chinese_calendar.is_workday(d(10, 10))


def test_library_does_not_cover_2027():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


# --- is_workday / is_official ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (d(2, 13), True),   # Friday before the festival
        (d(2, 14), True),   # make-up Saturday
        (d(2, 16), False),  # Monday inside the Spring Festival
        (d(2, 23), False),  # last festival day is a Monday
        (d(2, 28), True),   # make-up Saturday
        (d(3, 1), False),   # ordinary Sunday
        (d(1, 4), True),    # make-up Sunday after New Year
        (d(9, 20), True),   # make-up Sunday before National Day
        (d(10, 5), False),  # Monday inside National Day
        (d(10, 10), True),  # make-up Saturday after National Day
        (d(10, 11), False), # ordinary Sunday
        (d(12, 31), True),  # Thursday
    ],
)
def test_is_workday_follows_the_2026_official_schedule(cal, day, expected):
    assert cal.is_workday(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 1, 1), False),   # Friday, New Year (fixed date)
        (date(2027, 1, 4), True),    # Monday
        (date(2027, 1, 2), False),   # Saturday
        (date(2027, 1, 3), False),   # Sunday
        (date(2027, 10, 1), False),  # Friday, National Day (fixed date)
        (date(2027, 10, 4), True),   # Monday: the provisional rule knows only Oct 1-3
        (date(2027, 2, 8), True),    # lunar holidays are unknown before the schedule: a workday
    ],
)
def test_is_workday_for_an_unpublished_year_uses_the_provisional_rule(cal, day, expected):
    assert cal.is_workday(day) is expected


def test_provisional_rule_skips_labour_day_second_day():
    # 2028-05-02 is a Tuesday; 2028 is not in the library.
    assert WorkCalendar().is_workday(date(2028, 5, 2)) is False


def test_fixed_holidays_are_all_statutory_holidays_in_2026(cal):
    # Every date the provisional rule treats as fixed really was a holiday in the last published year.
    for month, day in FIXED_HOLIDAYS:
        assert chinese_calendar.is_holiday(date(2026, month, day)), (month, day)


def test_is_official_knows_library_years_and_loaded_years(cal):
    assert cal.is_official(2026)
    assert not cal.is_official(2027)
    cal.loaded[2027] = YearSchedule(2027, frozenset(), frozenset(), "gov-2027")
    assert cal.is_official(2027)


def test_version_for_names_every_source(cal):
    cal.loaded[2028] = YearSchedule(2028, frozenset(), frozenset(), "gov-2028")
    assert cal.version_for({2028, 2026, 2027}) == f"2026:{LIB},2027:provisional,2028:gov-2028"


# --- add_working_days ----------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -1, -20])
def test_a_period_needs_at_least_one_day(cal, days):
    with pytest.raises(ValueError):
        add_working_days(cal, d(3, 2), days)


def test_start_day_is_never_counted(cal):
    # Mon Mar 2 2026 is an ordinary working day; 2 days are Tue and Wed.
    count = add_working_days(cal, d(3, 2), 2)
    assert count.counted == (d(3, 3), d(3, 4))
    assert d(3, 2) not in count.counted and d(3, 2) not in count.skipped
    assert count.last_day == d(3, 4)


def test_one_day_from_friday_is_monday(cal):
    count = add_working_days(cal, d(3, 6), 1)
    assert count == Count(
        last_day=d(3, 9),
        counted=(d(3, 9),),
        skipped=(d(3, 7), d(3, 8)),
        provisional=False,
        calendar_version=f"2026:{LIB}",
    )


@pytest.mark.parametrize(
    ("start", "days", "last", "skipped"),
    [
        # Friday before the festival: the make-up Saturday counts, the 9 holidays do not.
        (d(2, 13), 2, d(2, 24), span(d(2, 15), d(2, 23))),
        # Help/suggestion period across the festival.
        (d(2, 12), 5, d(2, 26), span(d(2, 15), d(2, 23))),
        # Start on a holiday: the rest of the festival is skipped.
        (d(2, 18), 2, d(2, 25), span(d(2, 19), d(2, 23))),
        # The make-up Saturday Feb 28 is the second working day.
        (d(2, 26), 2, d(2, 28), ()),
        # National Day: Oct 1-7 skipped, Sat Oct 10 counted, Sun Oct 11 skipped.
        (d(9, 30), 5, d(10, 13), (*span(d(10, 1), d(10, 7)), d(10, 11))),
        # Mid-Autumn long weekend.
        (d(9, 24), 2, d(9, 29), span(d(9, 25), d(9, 27))),
        # A make-up Sunday is counted (before National Day).
        (d(9, 19), 2, d(9, 21), ()),
        # A make-up Sunday is counted (after New Year); start on a holiday Saturday.
        (d(1, 3), 2, d(1, 5), ()),
        # Start on Dec 31 2025 (library year): New Year holidays skipped, make-up Sunday counted.
        (date(2025, 12, 31), 1, d(1, 4), span(d(1, 1), d(1, 3))),
    ],
)
def test_holidays_and_makeup_days_2026(cal, start, days, last, skipped):
    count = add_working_days(cal, start, days)
    assert count.last_day == last
    assert count.skipped == skipped
    assert len(count.counted) == days
    assert count.counted[-1] == last
    assert not count.provisional


def test_explanation_lists_every_day_exactly_once_in_order(cal):
    # Complaint period (20 days) started just before the Spring Festival.
    count = add_working_days(cal, d(2, 10), 20)
    assert count.last_day == d(3, 16)
    assert count.counted == (
        d(2, 11), d(2, 12), d(2, 13), d(2, 14),
        d(2, 24), d(2, 25), d(2, 26), d(2, 27), d(2, 28),
        *span(d(3, 2), d(3, 6)),
        *span(d(3, 9), d(3, 13)),
        d(3, 16),
    )
    assert count.skipped == (*span(d(2, 15), d(2, 23)), d(3, 1), d(3, 7), d(3, 8), d(3, 14), d(3, 15))
    assert sorted(count.counted + count.skipped) == list(span(d(2, 11), d(3, 16)))
    assert count.calendar_version == f"2026:{LIB}"


def test_period_crossing_into_unpublished_2027_is_provisional(cal):
    count = add_working_days(cal, d(12, 15), 20)
    assert count.last_day == date(2027, 1, 13)
    assert count.provisional is True
    assert count.calendar_version == f"2026:{LIB},2027:provisional"
    assert "provisional" in count.calendar_version.split(",")[1]
    # Jan 1 2027 (a Friday) is skipped as a fixed-date holiday.
    assert date(2027, 1, 1) in count.skipped
    assert date(2027, 1, 1) not in count.counted
    assert count.skipped == (
        d(12, 19), d(12, 20), d(12, 26), d(12, 27),
        date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 9), date(2027, 1, 10),
    )
    assert count.counted[-8:] == (
        *span(date(2027, 1, 4), date(2027, 1, 8)), date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13),
    )


def test_period_that_only_touches_2027_by_a_skipped_day_is_still_provisional(cal):
    # Thu Dec 31 2026 + 1: Jan 1 2027 is skipped (provisional), Mon Jan 4 is counted.
    count = add_working_days(cal, d(12, 31), 1)
    assert count.last_day == date(2027, 1, 4)
    assert count.provisional
    assert count.calendar_version == "2027:provisional"


def test_period_inside_2026_is_not_provisional(cal):
    count = add_working_days(cal, d(12, 1), 20)
    assert count.last_day == d(12, 29)
    assert count.provisional is False
    assert count.calendar_version == f"2026:{LIB}"


def test_loaded_2027_schedule_replaces_the_provisional_rule():
    schedule = YearSchedule(
        year=2027,
        holidays=frozenset({date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 5)}),
        workdays=frozenset({date(2027, 1, 9)}),  # a make-up Saturday
        version="gov-2027-notice",
    )
    cal = WorkCalendar(loaded={2027: schedule})
    count = add_working_days(cal, d(12, 15), 20)
    assert date(2027, 1, 4) in count.skipped and date(2027, 1, 5) in count.skipped
    assert date(2027, 1, 9) in count.counted
    assert date(2027, 1, 10) in count.skipped  # an ordinary Sunday stays a day off
    assert count.last_day == date(2027, 1, 14)  # provisional answer was Jan 13
    assert count.provisional is False
    assert count.calendar_version == f"2026:{LIB},2027:gov-2027-notice"


def test_loaded_schedule_beats_the_library_for_a_covered_year():
    # A corrected 2026 schedule (e.g. re-published) is authoritative over the packaged data.
    schedule = YearSchedule(2026, frozenset({d(3, 3)}), frozenset({d(3, 7)}), "gov-2026-rev2")
    cal = WorkCalendar(loaded={2026: schedule})
    assert not cal.is_workday(d(3, 3))
    assert cal.is_workday(d(3, 7))
    # The library's Spring Festival is no longer consulted for 2026.
    assert cal.is_workday(d(2, 16))
    count = add_working_days(cal, d(3, 2), 2)
    assert count.counted == (d(3, 4), d(3, 5))
    assert count.calendar_version == "2026:gov-2026-rev2"
