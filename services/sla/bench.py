"""`python -m services.sla.bench`: how fast deadlines are computed, and how late due timers fire.

1. Deadline computations per second (pure arithmetic: a 20-working-day count with its
   explanation plus the ladder plan), over start days spread across 2026 and into the
   unpublished 2027, median of several rounds.
2. Timers at scale: a throw-away database with N open deadlines in sla.deadlines
   (default 1,000,000), 10,000 of them due at the same instant; R pollers (replicas) run the
   real LadderPoller (claim with SKIP LOCKED, outbox write, ladder_fired, commit). Lateness is
   commit time minus the instant the step was due; reported as p50 / p99 / max.
Numbers vary with the machine; compare runs on the same machine.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as dtime
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.adapters.rules_file import load_rules
from services.sla.domain import deadline_state as state
from services.sla.domain.calendar import WorkCalendar, working_day_after, working_day_before
from services.sla.handlers.ladder_poller import LadderPoller
from shared.clock import Clock
from shared.contracts.local_time import SHANGHAI
from shared.db import create_pool
from shared.migrations import migrate
from shared.settings import Settings
from shared.unit_of_work import UnitOfWorkFactory

SLA_MIGRATIONS = __import__("pathlib").Path(__file__).parent / "migrations"


def bench_computations(seconds: float = 1.0, rounds: int = 5) -> float:
    rules, calendar = load_rules(), WorkCalendar()
    starts = [datetime(2026, 1, 1, 9, tzinfo=SHANGHAI) + timedelta(days=i) for i in range(365)]
    rates = []
    for _ in range(rounds):
        done, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            received = starts[done % len(starts)]
            state.new_row(appeal_id=uuid.UUID(int=0), unit_code="SAMR", appeal_type="consumer_complaint", subtype=None,
                          category="prices", received_at=received, period_days=20, attempt=1,
                          early_reminder=False, key_supervision=False, calendar=calendar, rules=rules, now=received)
            done += 1
        rates.append(done / (time.perf_counter() - began))
    return statistics.median(rates)


class TimedPoller(LadderPoller):
    """Stamps each fired step with the wall time its transaction committed."""

    def __init__(self, *args, lateness: list[float], **kw):
        super().__init__(*args, **kw)
        self.lateness, self._batch_due = lateness, list[datetime]()

    def _event(self, row, due, now):
        self._batch_due.append(due.fire_at)
        return LadderPoller._event(row, due, now)

    async def fire_due(self) -> int:
        self._batch_due = []
        claimed = await super().fire_due()
        committed = self.clock.now()
        self.lateness.extend((committed - fire_at).total_seconds() for fire_at in self._batch_due)
        return claimed


async def bench_timers(database_url: str, total: int, due: int, replicas: int, poll_seconds: float,
                       batch: int) -> dict:
    rules, calendar = load_rules(), WorkCalendar()
    # A last working day L whose reminder (00:00 of L) is the one step due at the shared instant.
    today = datetime.now(SHANGHAI).date()
    last = working_day_after(calendar, today, 2)
    received = datetime.combine(working_day_before(calendar, last, 1), dtime(10), tzinfo=SHANGHAI)
    template = state.new_row(appeal_id=uuid.UUID(int=0), unit_code="SAMR", appeal_type="public_service_request",
                             subtype="consultation", category="policies", received_at=received, period_days=1,
                             attempt=1, early_reminder=False, key_supervision=False, calendar=calendar,
                             rules=rules, now=received)
    template["state"] = "open"
    state.recompute(template, calendar, rules, received)
    fire_at = template["next_fire_at"]
    assert template["next_step"] == "reminder" and fire_at == datetime.combine(last, dtime.min, tzinfo=SHANGHAI)
    later = fire_at + timedelta(days=60)  # the other open deadlines: not due during the run

    parts = urlsplit(database_url)
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f"CREATE DATABASE {name}")
    url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        conn = await asyncpg.connect(url)
        await migrate(conn, "sla", SLA_MIGRATIONS)
        began = time.perf_counter()
        step = 100_000
        for offset in range(0, total, step):
            records = []
            for i in range(offset, min(total, offset + step)):
                row = {**template, "appeal_id": uuid.uuid4(), "next_fire_at": fire_at if i < due else later}
                records.append(tuple(row[c] for c in repository.COLUMNS))
            await conn.copy_records_to_table("deadlines", records=records, columns=list(repository.COLUMNS),
                                             schema_name="sla")
        await conn.execute("VACUUM ANALYZE sla.deadlines")
        load_seconds = time.perf_counter() - began
        await conn.close()

        # Virtual time runs at real speed and reaches the due instant 2 s after the pollers start.
        clock = Clock(start=fire_at - timedelta(seconds=2), speed=1.0, anchor=time.time())
        lateness: list[float] = []
        pools = [await create_pool(url, "sla", min_size=1, max_size=2) for _ in range(replicas)]
        pollers = [TimedPoller(UnitOfWorkFactory(p, "sla"), rules, CalendarCache(), clock, batch,
                               lateness=lateness) for p in pools]
        tasks = [asyncio.create_task(p.run(poll_seconds)) for p in pollers]
        deadline = time.monotonic() + 120
        while len(lateness) < due and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for pool in pools:
            await pool.close()
        ordered = sorted(lateness)
        return {
            "open_deadlines": total, "due_at_once": due, "fired": len(ordered), "replicas": replicas,
            "poll_seconds": poll_seconds, "batch": batch, "load_seconds": round(load_seconds, 1),
            "p50_s": round(ordered[len(ordered) // 2], 3) if ordered else None,
            "p99_s": round(ordered[int(len(ordered) * 0.99) - 1], 3) if ordered else None,
            "max_s": round(ordered[-1], 3) if ordered else None,
        }
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.sla.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--open", type=int, default=1_000_000, help="open deadlines in PostgreSQL")
    parser.add_argument("--due", type=int, default=10_000, help="how many come due at the same instant")
    parser.add_argument("--replicas", type=int, default=2, help="pollers running at once")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="poll interval when nothing is due")
    parser.add_argument("--batch", type=int, default=500, help="deadlines claimed per transaction")
    parser.add_argument("--skip-timers", action="store_true", help="only the arithmetic")
    args = parser.parse_args(argv)
    rate = bench_computations()
    print(f"deadline computations: {rate:,.0f}/s (20 working days, explanation and ladder plan, median of 5)")
    if not args.skip_timers:
        result = asyncio.run(bench_timers(Settings(env="development").database_url, max(args.open, args.due), args.due,
                                          args.replicas, args.poll_seconds, args.batch))
        print("due timers:", ", ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
