"""Assessment periods: calendar months in Shanghai time."""

from datetime import datetime

from shared.contracts.local_time import SHANGHAI, month_of


def period_of(moment: datetime) -> str:
    """The month an event counts in: a letter sent at 23:30 UTC on the 31st is next month's in Shenyang."""
    return month_of(moment)


def previous_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


def period_start(period: str) -> datetime:
    """00:00 Shanghai on the first day of the month."""
    year, month = map(int, period.split("-"))
    return datetime(year, month, 1, tzinfo=SHANGHAI)


def has_ended(period: str, now: datetime) -> bool:
    """Whether the month is over in Shenyang: only then can it be closed."""
    return now >= period_start(next_period(period))


def has_started(period: str, now: datetime) -> bool:
    return now >= period_start(period)
