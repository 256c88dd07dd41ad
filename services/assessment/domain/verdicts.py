"""Per-appeal verdicts as stored rows, and what each row adds to its unit's month.

The consumer judges an appeal again whenever it gets a new fact and replaces the appeal's
rows; each row's `contribution` is added to (and the old row's subtracted from) the unit's
running totals for the month. A read then sums nothing per appeal: it takes the totals and
adds, per unit, the letters whose outcome time alone has decided since (`lapsed`): an
unsigned letter whose response window ended, a letter whose deadline passed without a stop.
Those are found by a predicate against "now" on the few rows still `pending`.

Adding an event type (as the supervision order, the direct answer at intake and the
return-call task were): its fact in facts.py, its effect on the appeal in appeals.py, a
column here if it is a new per-letter outcome, and a counter in COUNTERS (plus a column in
the next migration).
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from services.assessment.domain.appeals import AppealVerdict

HOLDER, RETURNED, CO_HANDLER, EXCLUDED = "holder", "returned", "co_handler", "excluded"

# Running totals per (month, unit); each is a sum of `contribution` over the unit's rows.
COUNTERS = (
    "received", "signed", "signed_on_time", "completion_known", "completed_on_time",
    "rated", "resolved", "satisfied", "reopened", "reopened_letters", "overdue", "supervised",
    "supervision_level_1", "supervision_level_2", "supervision_level_3", "completed", "working_days_total",
    "returned", "co_handled", "co_known", "co_contributed",
    # Migration 005: return calls and supervision orders, each letter once.
    "return_called", "supervision_ordered", "ordered_unescalated", "orders_unanswered",
)
# Counted at read time from pending rows: decided by time passing, not by a fact.
LAPSED = ("response_lapsed", "completion_lapsed", "co_lapsed")


class VerdictRow(NamedTuple):
    """One stored row (a named tuple: immutable, and built in a fifth of a frozen dataclass's time;
    the replay and the rebuild build one per letter, millions a month)."""

    appeal_id: UUID
    role: str
    unit_code: str
    received_at: datetime
    period: str
    unit_group: str | None = None
    tracking_number: str | None = None
    signed_at: datetime | None = None
    response_ends_at: datetime | None = None
    completed_on_time: bool | None = None   # holder: by a fact; co-handler: the lead's
    due_at: datetime | None = None
    resolved: bool | None = None            # None: not rated
    satisfied: bool | None = None
    reopened: int = 0
    overdue: bool = False
    supervision_level: int = 0
    working_days: int | None = None
    contributed: bool | None = None
    lead_unit_code: str | None = None
    reason: str | None = None                # why an excluded letter counts for nobody
    return_called: bool = False              # migration 005
    supervision_orders: int = 0
    orders_unanswered: int = 0

    @property
    def pending(self) -> bool:
        """Some outcome of this letter still waits for a fact or for its time to come."""
        if self.role == HOLDER:
            return self.signed_at is None or self.completed_on_time is None
        if self.role == CO_HANDLER:
            return not self.contributed and self.completed_on_time is None
        return False


COLUMNS = VerdictRow._fields + ("pending",)


def values(row: VerdictRow) -> tuple[Any, ...]:
    """The row's values in COLUMNS order (what COPY and the unnest arrays take)."""
    return (*row, row.pending)


def rows_of(verdict: AppealVerdict) -> list[VerdictRow]:
    """The stored rows of one appeal's verdict: one per letter that counts for some unit."""
    a = verdict.appeal_id
    if verdict.excluded:
        return [VerdictRow(a, EXCLUDED, unit, at, period, unit_group=group, reason=verdict.excluded)
                for unit, period, at, group in verdict.letters]
    rows = [VerdictRow(a, RETURNED, x.unit_code, x.received_at, x.period, unit_group=x.group)
            for x in verdict.lost]
    h = verdict.held
    if h is not None:
        # In VerdictRow's order, by position: twenty keywords cost twice the row itself (each
        # value is the holder's field of the same name; a unit test holds them to it).
        rows.append(VerdictRow(
            a, HOLDER, h.unit_code, h.received_at, h.period, h.group, h.tracking_number, h.signed_at,
            h.response_ends_at, h.completed_on_time, h.due_at, h.resolved, h.satisfied, h.reopened, h.overdue,
            h.supervision_level, h.working_days, None, None, None,  # contributed, lead_unit_code, reason
            h.return_called, h.supervision_orders, h.orders_unanswered))
    if verdict.co_handling:  # few letters name co-handlers
        rows.extend([VerdictRow(a, CO_HANDLER, c.unit_code, c.received_at, c.period, contributed=c.contributed,
                                completed_on_time=True if c.lead_completed else None, due_at=c.due_at,
                                lead_unit_code=c.lead_unit_code)
                     for c in verdict.co_handling])
    return rows


def contribution(row: VerdictRow) -> dict[str, int]:
    """What the row adds to its unit's totals (only non-zero counters, in COUNTERS order).

    Written out counter by counter rather than as one call naming them all: the replay asks
    this of every row, and building only the counters a letter has costs a third as much.
    """
    if row.role == RETURNED:
        return {"returned": 1}
    if row.role == CO_HANDLER:
        co = {"co_handled": 1}
        if row.contributed or row.completed_on_time is not None:
            co["co_known"] = 1
        if row.contributed:
            co["co_contributed"] = 1
        return co
    if row.role != HOLDER:
        return {}
    found = {"received": 1}
    if row.signed_at is not None:
        found["signed"] = 1
        # a holder's row has its window
        if row.response_ends_at is not None and row.signed_at <= row.response_ends_at:
            found["signed_on_time"] = 1
    if row.completed_on_time is not None:
        found["completion_known"] = 1
        if row.completed_on_time:
            found["completed_on_time"] = 1
    if row.resolved is not None:
        found["rated"] = 1
        if row.resolved:
            found["resolved"] = 1
    if row.satisfied:
        found["satisfied"] = 1
    if row.reopened:
        found["reopened"] = row.reopened
        if row.reopened > 0:
            found["reopened_letters"] = 1
    if row.overdue:
        found["overdue"] = 1
    level = row.supervision_level
    if level > 0:
        found["supervised"] = 1
        if level <= 3:
            found[_LEVELS[level]] = 1
    if row.working_days is not None:
        found["completed"] = 1
        if row.working_days:
            found["working_days_total"] = row.working_days
    if row.return_called:
        found["return_called"] = 1
    if row.supervision_orders > 0:
        found["supervision_ordered"] = 1
        # One supervision finding per letter, at its heaviest: an escalation to level 2 or 3
        # is already a deduction, so an order counts only on a letter not escalated that far.
        if level < 2:
            found["ordered_unescalated"] = 1
    if row.orders_unanswered > 0:
        found["orders_unanswered"] = 1
    return found


_LEVELS = ("", "supervision_level_1", "supervision_level_2", "supervision_level_3")


def lapsed(row: VerdictRow, now: datetime) -> dict[str, int]:
    """What time alone has decided by `now` for a pending row (the read-time half)."""
    if row.role == HOLDER:
        return _nonzero(
            response_lapsed=int(row.signed_at is None and row.response_ends_at is not None and row.response_ends_at <= now),
            completion_lapsed=int(row.completed_on_time is None and row.due_at is not None and row.due_at <= now))
    if row.role == CO_HANDLER and row.pending:
        return _nonzero(co_lapsed=int(row.due_at is not None and row.due_at <= now))
    return {}


def moments(row: VerdictRow) -> dict[tuple[str, datetime], int]:
    """The moments at which time alone decides something of this row, by LAPSED counter.

    Kept as counts per (month, unit, counter, moment) beside the totals: the moments are
    24:00 of a working day (a response window's end, a deadline), so a unit has at most a few
    dozen of them a month however many letters it holds, and a read sums those that passed.
    """
    found: dict[tuple[str, datetime], int] = {}
    if row.role == HOLDER:
        if row.signed_at is None and row.response_ends_at is not None:
            found[("response_lapsed", row.response_ends_at)] = 1
        if row.completed_on_time is None and row.due_at is not None:
            key = ("completion_lapsed", row.due_at)
            found[key] = found.get(key, 0) + 1
    elif row.role == CO_HANDLER and row.pending and row.due_at is not None:
        found[("co_lapsed", row.due_at)] = 1
    return found


def moment_delta(old: Iterable[VerdictRow], new: Iterable[VerdictRow]) -> dict[tuple[str, str, str, datetime], int]:
    """Per (month, unit, counter, moment), what replacing `old` rows by `new` ones changes."""
    changes: dict[tuple[str, str, str, datetime], int] = {}
    for sign, rows in ((-1, old), (1, new)):
        for row in rows:
            for (name, at), n in moments(row).items():
                key = (row.period, row.unit_code, name, at)
                changes[key] = changes.get(key, 0) + sign * n
    return {key: n for key, n in changes.items() if n}


def _nonzero(**counts: int) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def delta(old: Iterable[VerdictRow], new: Iterable[VerdictRow]) -> dict[tuple[str, str], dict[str, int]]:
    """Per (month, unit), what replacing the `old` rows by the `new` ones changes in the totals."""
    changes: dict[tuple[str, str], dict[str, int]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for row in rows:
            into = changes.setdefault((row.period, row.unit_code), {})
            for name, n in contribution(row).items():
                into[name] = into.get(name, 0) + sign * n
    return {key: {k: v for k, v in c.items() if v} for key, c in changes.items()}


def group_of(rows: Iterable[VerdictRow]) -> Mapping[tuple[str, str], tuple[datetime, str]]:
    """Per (month, unit), the group on the unit's latest letter (ties by name).

    Every letter counts, a merged duplicate's too: a receipt never stops being one, so the
    running maximum kept in the totals is always the maximum over the current rows.
    """
    found: dict[tuple[str, str], tuple[datetime, str]] = {}
    for row in rows:
        if row.role != CO_HANDLER:
            key, at, group = (row.period, row.unit_code), row.received_at, row.unit_group or "ungrouped"
            known = found.get(key)
            # (at, group) > known, spelled out: comparing times of two zones is what costs here,
            # and a tuple comparison compares them twice (== first), this mostly once.
            if known is None or at > known[0] or (group > known[1] and at == known[0]):
                found[key] = (at, group)
    return found
