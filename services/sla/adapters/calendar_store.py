"""Operator-loaded yearly schedules in sla's schema, and the calendar built from them."""

import json
from datetime import date, datetime

import asyncpg

from services.sla.domain.calendar import WorkCalendar, YearSchedule

_ALL = "SELECT year, holidays, workdays, version FROM calendar_years"
_ONE = "SELECT year, holidays, workdays, version, loaded_by, loaded_at FROM calendar_years WHERE year = $1"
_REVISION = "SELECT coalesce(max(revision), 0) FROM calendar_years"
_UPSERT = """
INSERT INTO calendar_years (year, holidays, workdays, version, loaded_by, loaded_at)
VALUES ($1, $2::jsonb, $3, $4, $5, $6)
ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays,
    version = EXCLUDED.version, loaded_by = EXCLUDED.loaded_by, loaded_at = EXCLUDED.loaded_at,
    revision = nextval('calendar_revision')
"""
# Serialises uploads, so two supervisors loading one year cannot interleave recomputations.
_LOCK_UPLOADS = "SELECT pg_advisory_xact_lock(hashtext('sla:calendar-upload'))"


def _schedule(record) -> YearSchedule:
    holidays = json.loads(record["holidays"])
    days = {date.fromisoformat(h["date"]): h.get("name") for h in holidays}
    return YearSchedule(record["year"], frozenset(days), frozenset(record["workdays"]), record["version"],
                        {d: n for d, n in days.items() if n})


async def load_calendar(conn: asyncpg.Connection) -> WorkCalendar:
    return WorkCalendar(loaded={r["year"]: _schedule(r) for r in await conn.fetch(_ALL)})


async def stored_schedule(conn: asyncpg.Connection, year: int) -> tuple[YearSchedule, str, datetime] | None:
    record = await conn.fetchrow(_ONE, year)
    return (_schedule(record), record["loaded_by"], record["loaded_at"]) if record else None


async def lock_uploads(conn: asyncpg.Connection) -> None:
    await conn.execute(_LOCK_UPLOADS)


async def store(conn: asyncpg.Connection, schedule: YearSchedule, loaded_by: str, loaded_at: datetime) -> None:
    holidays = [{"date": d.isoformat(), "name": schedule.names.get(d)} for d in sorted(schedule.holidays)]
    await conn.execute(_UPSERT, schedule.year, json.dumps(holidays, ensure_ascii=False),
                       sorted(schedule.workdays), schedule.version, loaded_by, loaded_at)


class CalendarCache:
    """The calendar a replica counts with, rebuilt only when an upload changed the table.

    One cheap query per use keeps every replica on the schedule another replica stored.
    """

    def __init__(self) -> None:
        self._revision: int | None = None
        self._calendar = WorkCalendar()

    async def current(self, conn: asyncpg.Connection) -> WorkCalendar:
        revision = await conn.fetchval(_REVISION)
        if revision != self._revision:
            self._calendar = await load_calendar(conn)
            self._revision = revision
        return self._calendar
