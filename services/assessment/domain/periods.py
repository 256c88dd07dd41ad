"""Assessment periods: calendar months in Shanghai time."""

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def period_of(moment: datetime) -> str:
    """The month an event counts in: a letter sent at 23:30 UTC on the 31st is next month's in Shenyang."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m")

