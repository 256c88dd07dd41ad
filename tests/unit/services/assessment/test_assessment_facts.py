"""A fact's time is its event's instant in UTC (as facts read back from the table are), so the
month it counts in is still Shenyang's, and a time without a zone is still refused."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

from services.assessment.domain.facts import fact_of, problem_with
from shared.contracts import events as ev

SHENYANG = timezone(timedelta(hours=8))


def dispatched(at: datetime) -> ev.AppealDispatched:
    return ev.AppealDispatched(
        appeal_id=uuid.uuid4(), tracking_number="SY20260401ABCDEFGH", unit_code="SAMR", unit_name="市场监管局",
        unit_group="municipal_department", rule_id="r", appeal_type="consumer_complaint", category="prices",
        district="heping", dispatched_at=at)


def test_the_time_is_the_same_instant_in_utc_and_the_month_shenyangs():
    at = datetime(2026, 4, 1, 0, 30, tzinfo=SHENYANG)   # 2026-03-31 16:30 UTC
    fact = fact_of(dispatched(at), uuid.uuid4(), "hotline.appeal.dispatched.v1")
    assert fact is not None and fact.occurred_at == at
    assert fact.occurred_at.tzinfo is UTC and fact.occurred_at.hour == 16
    assert fact.period == "2026-04"
    assert problem_with(fact) is None


def test_a_time_without_a_zone_is_left_as_it_is_and_refused():
    fact = fact_of(dispatched(datetime(2026, 4, 1, 0, 30)), uuid.uuid4(), "hotline.appeal.dispatched.v1")
    assert fact is not None and fact.occurred_at.tzinfo is None
    assert "time zone" in (problem_with(fact) or "")
