"""SLA's use cases: start the clock when a transfer letter goes out."""

from datetime import UTC, datetime

from services.sla.adapters import repository
from services.sla.domain.calendar import WorkCalendar
from services.sla.domain.deadlines import deadline_from, period_for
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealDispatched, DeadlineSet
from shared.unit_of_work import UnitOfWork


class Clock:
    def __init__(self, calendar: WorkCalendar, overrides: dict[tuple[str, str], int] | None = None):
        self.calendar = calendar
        self.overrides = overrides or {}

    async def on_dispatched(self, uow: UnitOfWork, envelope: Envelope[AppealDispatched]) -> None:
        letter = envelope.data
        days = period_for(letter.appeal_type, letter.subtype, letter.category, self.overrides)
        deadline = deadline_from(self.calendar, letter.dispatched_at, days)
        created = await repository.insert_deadline(
            uow.conn, appeal_id=letter.appeal_id, unit_code=letter.unit_code,
            appeal_type=letter.appeal_type.value, subtype=letter.subtype.value if letter.subtype else None,
            category=letter.category, starts_on=deadline.starts_on, working_days=days,
            due_at=deadline.due_at, provisional=deadline.count.provisional,
            calendar_version=deadline.count.calendar_version, set_at=datetime.now(UTC),
        )
        if created:
            uow.emit(DeadlineSet(
                appeal_id=letter.appeal_id, unit_code=letter.unit_code, starts_on=deadline.starts_on,
                working_days=days, due_at=deadline.due_at, provisional=deadline.count.provisional,
                calendar_version=deadline.count.calendar_version, reason="dispatched",
            ))
