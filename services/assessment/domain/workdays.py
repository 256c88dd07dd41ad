"""Working days to completion, approximated by weekdays in Shanghai time.

The official calendar (holidays, make-up Saturdays) belongs to the sla service, which
assessment may not import; the contract carries no working-day count either. Monday to
Friday is a documented approximation: it can be off by the holidays inside a period.
"""

from datetime import date, datetime

from services.assessment.domain.periods import SHANGHAI


def weekdays_after(start: datetime, end: datetime) -> int:
    """Weekdays after the day of `start` up to and including the day of `end` (Shanghai dates).

    Like deadlines, a count in days does not include the day it starts on.
    """
    first, last = start.astimezone(SHANGHAI).date(), end.astimezone(SHANGHAI).date()
    if last <= first:
        return 0
    return _weekdays_through(last) - _weekdays_through(first)


def _weekdays_through(day: date) -> int:
    """Weekdays from an arbitrary Monday epoch through `day`, in O(1)."""
    epoch = date(2001, 1, 1)  # a Monday
    days = (day - epoch).days
    weeks, rest = divmod(days + 1, 7)
    return weeks * 5 + min(rest, 5)

