"""How long a unit has: the period by appeal type, and the moment it ends."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.sla.domain.calendar import Count, WorkCalendar, add_working_days
from shared.contracts.local_time import SHANGHAI
from shared.contracts.vocabulary import AppealType, RequestSubtype

# Working days by deadline class (domain.md, "Time-limited completion").
PERIODS: dict[AppealType | RequestSubtype, int] = {
    RequestSubtype.CONSULTATION: 2,
    RequestSubtype.HELP: 5,
    RequestSubtype.SUGGESTION: 5,
    AppealType.BUSINESS_ENVIRONMENT_COMPLAINT: 20,
    AppealType.CONSUMER_COMPLAINT: 20,
    AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT: 20,
    AppealType.ECONOMIC_VIOLATION_REPORT: 20,
}


def period_for(
    appeal_type: AppealType,
    subtype: RequestSubtype | None,
    category: str,
    overrides: dict[tuple[str, str], int] | None = None,
) -> int:
    """Working days allowed; a law or rule for a category (an override) beats the class."""
    if overrides and (days := overrides.get((appeal_type.value, category))) is not None:
        return days
    if appeal_type is AppealType.PUBLIC_SERVICE_REQUEST:
        if subtype is None:
            raise ValueError("a public-service request needs its subtype to have a deadline")
        return PERIODS[subtype]
    return PERIODS[appeal_type]


@dataclass(frozen=True)
class Deadline:
    starts_on: date
    working_days: int
    due_at: datetime
    count: Count


def deadline_from(calendar: WorkCalendar, received_at: datetime, working_days: int) -> Deadline:
    """Count from the day the letter was received (Shanghai time); due at 24:00 of the last day."""
    starts_on = received_at.astimezone(SHANGHAI).date()
    count = add_working_days(calendar, starts_on, working_days)
    due_at = datetime.combine(count.last_day + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return Deadline(starts_on, working_days, due_at, count)
