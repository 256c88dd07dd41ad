"""The platform's time zone: deadlines, working days and assessment months are Shenyang's.

Events carry aware instants; a day or a month named in a contract (a deadline's last working
day, an assessment period such as "2026-12") is a day or month in this zone.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def month_of(moment: datetime) -> str:
    """The month ("2026-12") an instant falls in, in Shenyang: 23:30 UTC on the 31st is next month's."""
    local = moment.astimezone(SHANGHAI)
    # Not strftime("%Y-%m"): the same text (the year unpadded, as glibc's %Y) at a fifth of the cost,
    # and the replay asks for a month per letter, millions of times.
    return f"{local.year}-{local.month:02d}"
