"""Operator-loaded schedules: validation, versions, and explanations that name the holiday."""

from datetime import date, datetime

import pytest

from services.sla.domain.calendar import WorkCalendar, why_skipped
from services.sla.domain.explanation import explain
from services.sla.domain.year_schedule import InvalidSchedule, build_schedule
from shared.contracts.local_time import SHANGHAI

SPRING_2027 = [(date(2027, 2, d), "春节") for d in range(6, 14)]  # a plausible 2027 notice


def fields(exc: InvalidSchedule) -> dict[str, str]:
    return {p.field: p.reason for p in exc.problems}


def test_a_valid_schedule_builds_with_names_and_a_content_version():
    schedule = build_schedule(2027, SPRING_2027, [date(2027, 2, 20)], "gov-2027")
    assert date(2027, 2, 8) in schedule.holidays and schedule.workdays == {date(2027, 2, 20)}
    assert schedule.names[date(2027, 2, 8)] == "春节"
    assert schedule.version.startswith("gov-2027-")
    other = build_schedule(2027, SPRING_2027[:-1], [date(2027, 2, 20)], "gov-2027")
    assert other.version != schedule.version  # same label, different content: versions differ


@pytest.mark.parametrize(("holidays", "workdays", "field", "words"), [
    ([(date(2026, 12, 31), None)], [], "holidays[0].date", "not in 2027"),
    ([], [date(2028, 1, 1)], "workdays[0]", "not in 2027"),
    ([(date(2027, 2, 6), None)], [date(2027, 2, 6)], "workdays[0]", "also listed as a holiday"),
    ([], [date(2027, 2, 8)], "workdays[0]", "weekday"),  # a Monday cannot be a make-up day
    ([(date(2027, 5, 3), None), (date(2027, 5, 3), None)], [], "holidays[1].date", "twice"),
    ([], [date(2027, 2, 20), date(2027, 2, 20)], "workdays[1]", "twice"),
])
def test_impossible_schedules_are_refused_with_the_field_and_reason(holidays, workdays, field, words):
    with pytest.raises(InvalidSchedule) as refused:
        build_schedule(2027, holidays, workdays)
    assert words in fields(refused.value)[field]


def test_a_year_without_any_working_day_is_refused():
    every_weekday = [(date(2027, 1, 1).fromordinal(o), None)
                     for o in range(date(2027, 1, 1).toordinal(), date(2028, 1, 1).toordinal())
                     if date.fromordinal(o).weekday() < 5]
    with pytest.raises(InvalidSchedule) as refused:
        build_schedule(2027, every_weekday, [])
    assert "no working day" in fields(refused.value)["holidays"]
    # One make-up Saturday is enough to keep the year workable.
    assert build_schedule(2027, every_weekday, [date(2027, 1, 2)]).workdays


def test_year_out_of_range_is_refused():
    with pytest.raises(InvalidSchedule):
        build_schedule(1999, [], [])


def test_why_a_day_was_skipped_names_the_holiday_or_the_weekend():
    cal = WorkCalendar()
    assert why_skipped(cal, date(2026, 2, 17)) == "holiday: Spring Festival"
    assert why_skipped(cal, date(2026, 3, 7)) == "weekend"
    assert why_skipped(cal, date(2027, 1, 1)).startswith("fixed-date statutory holiday (provisional")
    assert why_skipped(cal, date(2027, 1, 2)).startswith("weekend (provisional")
    cal.loaded[2027] = build_schedule(2027, SPRING_2027, [date(2027, 2, 20)], "gov")
    assert why_skipped(cal, date(2027, 2, 8)).startswith("holiday: 春节 (gov-")


def test_explanation_lists_counted_and_skipped_days_with_reasons():
    cal = WorkCalendar()
    received = datetime(2026, 2, 13, 9, 30, tzinfo=SHANGHAI)  # Friday before the Spring Festival
    story = explain(cal, received, 2)
    assert story.starts_on == date(2026, 2, 13)
    assert story.counted == (date(2026, 2, 14), date(2026, 2, 24))  # make-up Saturday counts
    assert [s.why for s in story.skipped] == ["holiday: Spring Festival"] * 9
    assert story.due_at == datetime(2026, 2, 25, tzinfo=SHANGHAI) and not story.provisional
    assert "due at 24:00 of 2026-02-24" in story.rule
