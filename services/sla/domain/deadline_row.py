"""One appeal's deadline as the domain sees it: the columns of `sla.deadlines`, typed.

The rules change a row in place and the adapters write it back whole, so the row is a typed
dict built by the adapters from the database record.
"""

from datetime import date, datetime
from typing import TypedDict
from uuid import UUID


class DeadlineRow(TypedDict):
    appeal_id: UUID
    unit_code: str
    appeal_type: str
    subtype: str | None
    category: str
    # Counted by deadline_state (new_row, then recompute on every change of the count).
    starts_on: date
    working_days: int
    due_at: datetime
    provisional: bool
    calendar_version: str
    state: str  # awaiting_signature, open, stopped, returned
    set_at: datetime
    received_at: datetime
    period_days: int
    extended_days: int
    attempt: int
    epoch: int
    early_reminder: bool
    key_supervision: bool
    supervision_level: int
    overdue_since: datetime | None
    fired_steps: list[str]
    next_step: str | None
    next_fire_at: datetime | None
    stopped_at: datetime | None
    met: bool | None

