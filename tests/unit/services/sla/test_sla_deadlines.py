"""Periods by appeal type and the moment a deadline falls (services/sla/domain/deadlines.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.sla.domain.calendar import WorkCalendar, YearSchedule
from services.sla.domain.deadlines import PERIODS, deadline_from, period_for
from shared.contracts.local_time import SHANGHAI
from shared.contracts.vocabulary import CATEGORIES, AppealType, RequestSubtype

T = AppealType
S = RequestSubtype


# --- period_for ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appeal_type", "subtype", "category", "days"),
    [
        (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", 2),
        (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "procedures", 2),
        (T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood", 5),
        (T.PUBLIC_SERVICE_REQUEST, S.SUGGESTION, "urban_management", 5),
        (T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "permits", 20),
        (T.CONSUMER_COMPLAINT, None, "prices", 20),
        (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "service_attitude", 20),
        (T.ECONOMIC_VIOLATION_REPORT, None, "taxation", 20),
    ],
)
def test_period_by_deadline_class(appeal_type, subtype, category, days):
    assert period_for(appeal_type, subtype, category) == days


def test_every_type_and_subtype_has_a_period():
    for appeal_type in T:
        if appeal_type is T.PUBLIC_SERVICE_REQUEST:
            for subtype in S:
                for category in CATEGORIES[appeal_type]:
                    assert period_for(appeal_type, subtype, category) in (2, 5)
        else:
            for category in CATEGORIES[appeal_type]:
                assert period_for(appeal_type, None, category) == 20
    assert set(PERIODS) == {*S, *(t for t in T if t is not T.PUBLIC_SERVICE_REQUEST)}


def test_public_service_request_without_subtype_has_no_period():
    with pytest.raises(ValueError, match="subtype"):
        period_for(T.PUBLIC_SERVICE_REQUEST, None, "policies")


def test_category_override_beats_the_class():
    overrides = {("consumer_complaint", "food_medicine"): 7, ("public_service_request", "approvals"): 10}
    assert period_for(T.CONSUMER_COMPLAINT, None, "food_medicine", overrides) == 7
    assert period_for(T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "approvals", overrides) == 10
    # Only the overridden pair changes.
    assert period_for(T.CONSUMER_COMPLAINT, None, "prices", overrides) == 20
    assert period_for(T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", overrides) == 2
    # The key is the (type, category) pair: the same category under another type is untouched.
    overrides = {("economic_violation_report", "prices"): 30}
    assert period_for(T.ECONOMIC_VIOLATION_REPORT, None, "prices", overrides) == 30
    assert period_for(T.CONSUMER_COMPLAINT, None, "prices", overrides) == 20


def test_empty_overrides_change_nothing():
    assert period_for(T.CONSUMER_COMPLAINT, None, "prices", {}) == 20
    assert period_for(T.CONSUMER_COMPLAINT, None, "prices", None) == 20


# --- deadline_from -------------------------------------------------------------------------


def test_due_at_is_midnight_shanghai_after_the_last_working_day(cal):
    received = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # Monday
    deadline = deadline_from(cal, received, 2)
    assert deadline.starts_on == date(2026, 3, 2)
    assert deadline.working_days == 2
    assert deadline.count.last_day == date(2026, 3, 4)
    assert deadline.due_at == datetime(2026, 3, 5, 0, 0, tzinfo=SHANGHAI)
    assert deadline.due_at.utcoffset() == timedelta(hours=8)
    # 24:00 Shanghai on Mar 4 is 16:00 UTC on Mar 4.
    assert deadline.due_at == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)


def test_late_evening_utc_is_the_next_day_in_shanghai(cal):
    # 17:00Z on Nov 30 is 01:00 on Tue Dec 1 in Shanghai: the start day is Dec 1.
    deadline = deadline_from(cal, datetime(2026, 11, 30, 17, 0, tzinfo=UTC), 2)
    assert deadline.starts_on == date(2026, 12, 1)
    assert deadline.count.counted == (date(2026, 12, 2), date(2026, 12, 3))
    assert deadline.due_at == datetime(2026, 12, 4, tzinfo=SHANGHAI)


def test_just_before_midnight_shanghai_is_still_the_same_day(cal):
    # 15:59Z on Nov 30 is 23:59 on Mon Nov 30 in Shanghai.
    deadline = deadline_from(cal, datetime(2026, 11, 30, 15, 59, tzinfo=UTC), 2)
    assert deadline.starts_on == date(2026, 11, 30)
    assert deadline.due_at == datetime(2026, 12, 3, tzinfo=SHANGHAI)


def test_consultation_received_before_spring_festival(cal):
    received = datetime(2026, 2, 13, 9, 30, tzinfo=SHANGHAI)
    deadline = deadline_from(cal, received, period_for(T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies"))
    assert deadline.count.counted == (date(2026, 2, 14), date(2026, 2, 24))
    assert deadline.due_at == datetime(2026, 2, 25, tzinfo=SHANGHAI)
    assert not deadline.count.provisional


def test_complaint_received_mid_december_2026_is_provisional(cal):
    received = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
    deadline = deadline_from(cal, received, period_for(T.CONSUMER_COMPLAINT, None, "prices"))
    assert deadline.count.last_day == date(2027, 1, 13)
    assert deadline.due_at == datetime(2027, 1, 14, tzinfo=SHANGHAI)
    assert deadline.count.provisional
    assert "2027:provisional" in deadline.count.calendar_version


def test_complaint_recomputed_when_2027_schedule_is_loaded():
    schedule = YearSchedule(
        2027,
        holidays=frozenset({date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 5)}),
        workdays=frozenset({date(2027, 1, 9)}),
        version="gov-2027",
    )
    received = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
    deadline = deadline_from(WorkCalendar(loaded={2027: schedule}), received, 20)
    assert deadline.due_at == datetime(2027, 1, 15, tzinfo=SHANGHAI)
    assert not deadline.count.provisional
    assert deadline.count.calendar_version.endswith("2027:gov-2027")


def test_deadline_rejects_a_zero_day_period(cal):
    with pytest.raises(ValueError):
        deadline_from(cal, datetime(2026, 3, 2, tzinfo=SHANGHAI), 0)
