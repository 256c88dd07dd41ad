"""Which report a request asks for: a month (?period=YYYY-MM) or a date range (?from=&to=)."""

from datetime import date
from typing import Annotated

from fastapi import Query

from services.assessment import reports
from services.assessment.api.errors import invalid
from services.assessment.domain.periods import has_started
from shared.runtime import Context

# Years 1970-2999: year 0000 or 9999-12 (whose next month is year 10000) are not dates Python
# can hold, and a month outside any real use is a 422, not a 500.
PERIOD = r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])$"
MAX_RANGE_DAYS = 366


class Selection:
    def __init__(
        self,
        ctx: Context,
        period: Annotated[str | None, Query(pattern=PERIOD, description="A month, YYYY-MM (Shanghai)")] = None,
        start: Annotated[date | None, Query(alias="from", description="First day (Shanghai), with `to`")] = None,
        end: Annotated[date | None, Query(alias="to", description="Last day, included")] = None,
    ) -> None:
        if period is None and start is None and end is None:
            raise invalid("period", "give period=YYYY-MM, or from=YYYY-MM-DD and to=YYYY-MM-DD")
        if period is not None and (start or end):
            raise invalid("period", "give either period or from/to, not both")
        if period is None and (start is None or end is None):
            raise invalid("from" if start is None else "to", "a date range needs both from and to")
        if start and end and start > end:
            raise invalid("to", f"{end} is before from={start}")
        if start and end and (end - start).days >= MAX_RANGE_DAYS:
            raise invalid("to", f"a range is at most {MAX_RANGE_DAYS} days")
        if period and not has_started(period, ctx.clock.now()):
            raise invalid("period", f"period {period} has not started yet")
        self.ctx, self.period, self.start, self.end = ctx, period, start, end

    async def report(self) -> reports.Report:
        now = self.ctx.clock.now()
        if self.period:
            return await reports.month_report(self.ctx.pool, self.period, now)
        assert self.start is not None and self.end is not None, "a selection without a period has both days"
        return await reports.range_report(self.ctx.pool, self.start, self.end, now)
