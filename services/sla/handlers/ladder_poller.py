"""The due-time poller: fires each ladder step of each open deadline once, from PostgreSQL.

No in-memory timers: every replica runs this loop; each transaction claims due rows with
FOR UPDATE SKIP LOCKED, emits the steps (outbox, same transaction), records them in
ladder_fired and in the row, and commits. A replica that dies mid-batch rolls back, so the
rows come due again for the next poller; a service that was down fires what came due
meanwhile on its first poll, late but once.
"""

import logging
from datetime import datetime

from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain import ladder
from services.sla.domain.deadline_row import DeadlineRow
from services.sla.domain.rules import Rules
from services.sla.domain.unit_notices import ladder_notice
from shared.clock import Clock
from shared.contracts.events import AppealOverdue, ReminderDue, SupervisionRaised
from shared.loops import Backoff, run_forever
from shared.metrics import OPEN_DEADLINES
from shared.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class LadderPoller:
    def __init__(self, units_of_work: UnitOfWorkFactory, rules: Rules, calendars: CalendarCache, clock: Clock,
                 batch: int = 500):
        self.units_of_work, self.rules, self.calendars, self.clock = units_of_work, rules, calendars, clock
        self.batch = batch

    async def fire_due(self) -> int:
        """One poll: fire every step due now on up to `batch` deadlines; returns rows claimed."""
        now = self.clock.now()
        async with self.units_of_work() as uow:
            rows = await repository.claim_due(uow.conn, now, self.batch)
            if not rows:
                return 0
            calendar = await self.calendars.current(uow.conn)
            plans: list[list[ladder.Scheduled]] = []
            fires: list[tuple[DeadlineRow, ladder.Scheduled]] = []
            for row in rows:
                planned = state.plan(row, calendar, self.rules)
                plans.append(planned)
                fires.extend((row, due) for due in ladder.due_now(planned, set(row["fired_steps"]), now))
            recorded = await repository.mark_fired_many(
                uow.conn, [(row["appeal_id"], row["epoch"], due.step.name, due.fire_at) for row, due in fires],
                now, self.rules.version)
            for row, due in fires:
                if (row["appeal_id"], due.step.name) in recorded:
                    event = self._event(row, due, now)
                    uow.emit(event, time=now)
                    # the same step told to the unit, on the unit-facing topic (issue 20)
                    uow.emit(ladder_notice(event, row["epoch"], due.step.name), time=now)
                    self._apply(row, due)
                row["fired_steps"] = [*row["fired_steps"], due.step.name]
            for row, planned in zip(rows, plans, strict=True):
                state.plan_next(row, calendar, self.rules, planned)
            await repository.save_many(uow.conn, rows)
            return len(rows)

    @staticmethod
    def _apply(row: DeadlineRow, due: ladder.Scheduled) -> None:
        if due.step.kind == "overdue":
            row["overdue_since"] = row["overdue_since"] or row["due_at"]
        elif due.step.kind == "supervision":
            row["supervision_level"] = max(row["supervision_level"], due.step.level or 0)  # rules give it one

    @staticmethod
    def _event(row: DeadlineRow, due: ladder.Scheduled, now: datetime) -> ReminderDue | AppealOverdue | SupervisionRaised:
        appeal_id, unit_code = row["appeal_id"], row["unit_code"]
        if due.step.kind == "reminder":
            return ReminderDue(appeal_id=appeal_id, unit_code=unit_code, due_at=row["due_at"], reminded_at=now)
        if due.step.kind == "overdue":
            return AppealOverdue(appeal_id=appeal_id, unit_code=unit_code, due_at=row["due_at"],
                                 overdue_at=row["due_at"])
        return SupervisionRaised(appeal_id=appeal_id, unit_code=unit_code, level=due.step.level,
                                 reason=due.step.reason, raised_at=now)

    async def count_open(self) -> None:
        """Export how many clocks run, by supervision level (for dashboards and alerts)."""
        async with self.units_of_work() as uow:
            for level, count in await repository.open_by_level(uow.conn):
                OPEN_DEADLINES.labels("sla", str(level)).set(count)

    async def run(self, poll_seconds: float) -> None:
        polls = 0

        async def poll() -> float | None:
            nonlocal polls
            claimed = await self.fire_due()
            polls += 1
            if polls % 30 == 1:  # a count over all open deadlines, not on every poll
                await self.count_open()
            return 0 if claimed >= self.batch else None  # a full batch means more is due: poll again at once

        await run_forever("sla", "due-time poll", poll, every=poll_seconds,
                          backoff=Backoff(first=poll_seconds, limit=30.0))
