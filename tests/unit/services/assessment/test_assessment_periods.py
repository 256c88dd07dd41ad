"""Assessment periods are calendar months in Shanghai time (services/assessment/domain/periods.py)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.assessment.domain.periods import period_of
from shared.contracts.local_time import SHANGHAI


@pytest.mark.parametrize(
    ("moment", "period"),
    [
        (datetime(2026, 11, 30, 16, 30, tzinfo=UTC), "2026-12"),   # 00:30 Dec 1 in Shenyang
        (datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), "2026-11"),  # 23:59:59 Nov 30
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "2026-12"),    # exactly midnight
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "2027-01"),    # year boundary
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2027-01"),
        (datetime(2026, 2, 1, 0, 30, tzinfo=SHANGHAI), "2026-02"),  # already Shanghai time
        (datetime(2026, 1, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5))), "2026-02"),
    ],
)
def test_period_is_the_shanghai_month(moment, period):
    assert period_of(moment) == period
