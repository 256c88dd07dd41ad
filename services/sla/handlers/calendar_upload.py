"""Loading a year's official schedule: store it, announce it, recount the deadlines it touches."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from services.sla.adapters import calendar_store, repository
from services.sla.domain import deadline_state as state
from services.sla.domain.rules import Rules
from services.sla.domain.year_schedule import build_schedule
from services.sla.handlers.deadline_events import deadline_set
from shared.clock import Clock
from shared.contracts.events import CalendarLoaded
from shared.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class CalendarOutcome:
    year: int
    version: str
    changed: bool
    recomputed: int


async def load_year(uow: UnitOfWork, rules: Rules, clock: Clock, *, year: int,
                    holidays: list[tuple[date, str | None]], workdays: list[date], label: str | None,
                    loaded_by: str) -> CalendarOutcome:
    """Validate (InvalidSchedule changes nothing), store, emit CalendarLoaded and recount every
    open deadline whose count touched `year`, each with DeadlineSet reason calendar_loaded.

    Open deadlines counted on chinese-calendar for that year are recounted too: a loaded
    schedule is authoritative over the packaged one (a re-published correction).
    """
    schedule = build_schedule(year, holidays, workdays, label)
    await calendar_store.lock_uploads(uow.conn)
    stored = await calendar_store.stored_schedule(uow.conn, year)
    if stored and stored[0].version == schedule.version and dict(stored[0].names) == dict(schedule.names):
        return CalendarOutcome(year, schedule.version, changed=False, recomputed=0)
    now = clock.now()
    await calendar_store.store(uow.conn, schedule, loaded_by, now)
    uow.emit(CalendarLoaded(year=year, holidays=tuple(sorted(schedule.holidays)),
                            workdays=tuple(sorted(schedule.workdays)), version=schedule.version, loaded_at=now),
             time=now)
    calendar = await calendar_store.load_calendar(uow.conn)
    rows = await repository.lock_open_on_year(uow.conn, year)
    for row in rows:
        previous = row["due_at"]
        state.recompute(row, calendar, rules, now)
        await repository.save(uow.conn, row)
        uow.emit(deadline_set(row, "calendar_loaded", previous), time=now)
    return CalendarOutcome(year, schedule.version, changed=True, recomputed=len(rows))


def read_calendar_file(path: Path) -> dict:
    """A schedule file: {"year": 2027, "holidays": [{"date": ..., "name": ...} | "YYYY-MM-DD"],
    "workdays": ["YYYY-MM-DD"], "label": "optional"}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def parse_days(raw: dict) -> tuple[list[tuple[date, str | None]], list[date]]:
    holidays: list[tuple[date, str | None]] = []
    for item in raw.get("holidays", []):
        if isinstance(item, str):
            holidays.append((date.fromisoformat(item), None))
        else:
            holidays.append((date.fromisoformat(item["date"]), item.get("name")))
    return holidays, [date.fromisoformat(d) for d in raw.get("workdays", [])]


async def load_calendar_file(units_of_work: UnitOfWorkFactory, rules: Rules, clock: Clock, path: Path,
                             loaded_by: str = "file") -> CalendarOutcome:
    """Load a schedule from a JSON file (for the CLI); raises InvalidSchedule or ValueError."""
    raw = read_calendar_file(path)
    holidays, workdays = parse_days(raw)
    async with units_of_work() as uow:
        return await load_year(uow, rules, clock, year=int(raw["year"]), holidays=holidays, workdays=workdays,
                               label=raw.get("label"), loaded_by=loaded_by)
