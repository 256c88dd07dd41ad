"""What sla's unit tests build on: the packaged rules and instants in Shenyang."""

import uuid
from datetime import datetime

from services.sla.adapters.rules_file import load_rules
from services.sla.domain import deadline_state as state
from services.sla.domain.calendar import WorkCalendar
from services.sla.domain.deadline_row import DeadlineRow
from shared.contracts.local_time import SHANGHAI

RULES = load_rules()
APPEAL = uuid.UUID("00000000-0000-0000-0000-00000000000a")


def at(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def dispatched_row(cal: WorkCalendar, received: datetime = at(2026, 3, 2, 10), days: int = 20, unit: str = "SAMR",
                   *, early_reminder: bool = False) -> DeadlineRow:
    """A deadline row as sla keeps it once the letter is dispatched (a consumer complaint about prices)."""
    row = state.new_row(appeal_id=APPEAL, unit_code=unit, appeal_type="consumer_complaint", subtype=None,
                        category="prices", received_at=received, period_days=days, attempt=1,
                        early_reminder=early_reminder, key_supervision=False, calendar=cal, rules=RULES,
                        now=received)
    return row
