"""How a deadline row changes: set, signed, restarted, extended, stopped, re-planned.

Rows are typed dicts (DeadlineRow: the columns of sla.deadlines) so the rules stay free of I/O and the
adapters stay free of rules. Every change recomputes the deadline from `received_at` and the
total working days (period + approved extensions), so a loaded calendar, an extension or a
signature all go through the same arithmetic.
"""

from datetime import datetime
from uuid import UUID

from services.sla.domain import ladder
from services.sla.domain.calendar import WorkCalendar
from services.sla.domain.deadline_row import DeadlineRow
from services.sla.domain.deadlines import deadline_from
from services.sla.domain.rules import Rules

# A clock runs for the unit that holds the letter while it waits for its signature or works on
# the appeal. It stops for good when the unit replies (`stopped`) and until the platform
# re-dispatches the appeal when the unit returns the letter (`returned`).
RUNNING = frozenset({"awaiting_signature", "open"})


def new_row(*, appeal_id: UUID, unit_code: str, appeal_type: str, subtype: str | None, category: str,
            received_at: datetime, period_days: int, attempt: int, early_reminder: bool,
            key_supervision: bool, calendar: WorkCalendar, rules: Rules, now: datetime) -> DeadlineRow:
    """A deadline waiting for the unit's signature, counted provisionally from dispatch (as
    `recompute` counts it: no extensions yet), pointed at its first ladder step."""
    deadline = deadline_from(calendar, received_at, period_days)
    row: DeadlineRow = {
        "appeal_id": appeal_id, "unit_code": unit_code, "appeal_type": appeal_type, "subtype": subtype,
        "category": category, "state": "awaiting_signature", "received_at": received_at,
        "period_days": period_days, "extended_days": 0, "attempt": attempt, "epoch": 1,
        "early_reminder": early_reminder, "key_supervision": key_supervision, "supervision_level": 0,
        "overdue_since": None, "fired_steps": [], "next_step": None, "next_fire_at": None,
        "stopped_at": None, "met": None,
        "starts_on": deadline.starts_on, "working_days": deadline.working_days, "due_at": deadline.due_at,
        "provisional": deadline.count.provisional, "calendar_version": deadline.count.calendar_version,
        "set_at": now,
    }
    plan_next(row, calendar, rules)
    return row


def recompute(row: DeadlineRow, calendar: WorkCalendar, rules: Rules, now: datetime) -> None:
    deadline = deadline_from(calendar, row["received_at"], row["period_days"] + row["extended_days"])
    row.update({"starts_on": deadline.starts_on, "working_days": deadline.working_days, "due_at": deadline.due_at,
                "provisional": deadline.count.provisional, "calendar_version": deadline.count.calendar_version,
                "set_at": now})
    plan_next(row, calendar, rules)


def plan_next(row: DeadlineRow, calendar: WorkCalendar, rules: Rules,
              planned: list[ladder.Scheduled] | None = None) -> list[ladder.Scheduled]:
    """Point the row at its next unfired ladder step (none once stopped)."""
    if row["state"] not in RUNNING:
        row["next_step"] = row["next_fire_at"] = None
        return []
    if planned is None:
        planned = plan(row, calendar, rules)
    upcoming = ladder.next_pending(planned, set(row["fired_steps"]))
    row["next_step"], row["next_fire_at"] = (upcoming.step.name, upcoming.fire_at) if upcoming else (None, None)
    return planned


def plan(row: DeadlineRow, calendar: WorkCalendar, rules: Rules) -> list[ladder.Scheduled]:
    return ladder.schedule(rules.ladder, calendar, row["due_at"], early_reminder=row["early_reminder"],
                           not_before=row["received_at"])


def restart(row: DeadlineRow, *, received_at: datetime, state: str) -> None:
    """A new clock (re-dispatch, reopen): extensions, ladder and supervision start over."""
    row.update({"received_at": received_at, "state": state, "extended_days": 0, "epoch": row["epoch"] + 1,
                "supervision_level": 0, "overdue_since": None, "fired_steps": [], "stopped_at": None, "met": None})


def extend(row: DeadlineRow, working_days: int) -> None:
    """An approved extension: the deadline moves by working days and its ladder starts over."""
    row.update({"extended_days": row["extended_days"] + working_days, "epoch": row["epoch"] + 1,
                "supervision_level": 0, "overdue_since": None, "fired_steps": []})


def stop(row: DeadlineRow, replied_at: datetime) -> bool:
    """The unit replied: the clock stops; returns whether the deadline was met."""
    met = replied_at < row["due_at"]
    row.update({"state": "stopped", "stopped_at": replied_at, "met": met, "next_step": None, "next_fire_at": None})
    return met


def return_letter(row: DeadlineRow, returned_at: datetime) -> None:
    """The unit returned the letter as not its business: its clock stops, nothing more fires for
    it, and the appeal waits for the platform to re-dispatch it (which starts a new clock).

    Whatever fired before the return stays fired (and counted); `met` stays unknown, since the
    unit neither completed the appeal nor failed to: it was never the unit's appeal."""
    row.update({"state": "returned", "stopped_at": returned_at, "met": None, "next_step": None,
                "next_fire_at": None})


def extension_refusal(row: DeadlineRow, requested_at: datetime) -> str | None:
    """Why a unit's extension request is refused without a supervisor, if it is."""
    if row["state"] == "stopped":
        return "the appeal was already replied; its clock is stopped"
    if row["state"] == "returned":
        return "the letter was returned; its clock is stopped until the appeal is re-dispatched"
    due = row["due_at"]
    if requested_at >= due:
        return (f"requested at {requested_at.isoformat()}, after the deadline {due.isoformat()}: "
                "an extension must be asked for before the deadline")
    return None
