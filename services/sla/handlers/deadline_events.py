"""The events a deadline row change produces."""

from datetime import datetime

from services.sla.domain.deadline_row import DeadlineRow
from shared.contracts.events import DeadlineSet, DeadlineStopped


def deadline_set(row: DeadlineRow, reason: str, previous_due_at: datetime | None = None) -> DeadlineSet:
    return DeadlineSet(
        appeal_id=row["appeal_id"], unit_code=row["unit_code"], starts_on=row["starts_on"],
        working_days=row["working_days"], due_at=row["due_at"], provisional=row["provisional"],
        calendar_version=row["calendar_version"], reason=reason, previous_due_at=previous_due_at,
    )


def deadline_stopped(row: DeadlineRow, now: datetime) -> DeadlineStopped:
    return DeadlineStopped(appeal_id=row["appeal_id"], unit_code=row["unit_code"], due_at=row["due_at"],
                           stopped_at=row["stopped_at"] or now, met=bool(row["met"]))
