"""PUT/GET a year's official holiday schedule (holidays and make-up working days)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.sla.adapters import calendar_store
from services.sla.adapters.rules_file import load_rules
from services.sla.domain.calendar import WorkCalendar
from services.sla.domain.year_schedule import InvalidSchedule
from services.sla.handlers.calendar_upload import load_year
from shared.db import connection
from shared.auth import Principal, require
from shared.runtime import Context

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
Year = Annotated[int, Path(ge=2000, le=2100)]


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    name: str | None = Field(None, max_length=40, description="e.g. 春节, as in the State Council notice")


class YearScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    holidays: list[Holiday | date] = Field(description="Statutory holidays (weekdays and weekend days)")
    workdays: list[date] = Field([], description="Weekend days that are make-up working days")
    label: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,40}$", description="e.g. gov-notice-2027")


@router.put("/{year}", responses={422: {"description": "Impossible dates, overlaps or no working day"}})
async def put_year(
    year: Year, body: YearScheduleIn,
    ctx: Context,
    principal: Annotated[Principal, Depends(require("supervisor", "admin"))],
):
    """Load a year's schedule; open deadlines it touches are recounted (DeadlineSet calendar_loaded)."""
    holidays = [(h.date, h.name) if isinstance(h, Holiday) else (h, None) for h in body.holidays]
    try:
        async with ctx.units_of_work() as uow:
            outcome = await load_year(uow, load_rules(), ctx.clock, year=year, holidays=holidays,
                                      workdays=body.workdays, label=body.label, loaded_by=principal.subject)
    except InvalidSchedule as wrong:
        return JSONResponse({"detail": "invalid calendar",
                             "errors": [{"field": p.field, "reason": p.reason} for p in wrong.problems]},
                            status_code=422)
    return {"year": outcome.year, "version": outcome.version, "changed": outcome.changed,
            "recomputed_deadlines": outcome.recomputed}


@router.get("/{year}")
async def get_year(
    year: Year,
    ctx: Context,
    _: Annotated[Principal, Depends(require("operator", "supervisor", "admin", "unit"))],
):
    """The schedule sla counts with for `year`: loaded, packaged (chinese-calendar) or provisional."""
    async with connection(ctx.pool) as conn:
        stored = await calendar_store.stored_schedule(conn, year)
    if stored is not None:
        schedule, loaded_by, loaded_at = stored
        return {"year": year, "source": "loaded", "version": schedule.version, "loaded_by": loaded_by,
                "loaded_at": loaded_at,
                "holidays": [{"date": d, "name": schedule.names.get(d)} for d in sorted(schedule.holidays)],
                "workdays": sorted(schedule.workdays)}
    calendar = WorkCalendar()
    if calendar.is_official(year):
        return {"year": year, "source": "chinese-calendar", "version": calendar.version_for({year})}
    return {"year": year, "source": "provisional", "version": calendar.version_for({year}),
            "rule": "Monday-Friday minus fixed-date statutory holidays, until the schedule is loaded"}
