"""Per-unit metrics of a period: running totals of the verdict rows, plus what time has decided.

Every rate divides by **decided** letters only: a letter whose response window has not ended
and that is not signed yet is not counted as "not responded"; a letter still within its
deadline is not counted as late. `undecided` says how many letters are left out that way.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.assessment.domain.verdicts import COUNTERS, LAPSED, VerdictRow, contribution, group_of, lapsed


@dataclass
class UnitMetrics:
    unit_code: str
    group: str = "ungrouped"
    received: int = 0                 # appeals held: not merged, not returned / re-dispatched away
    response_decided: int = 0         # signed, or its response window has ended
    signed_on_time: int = 0
    completion_decided: int = 0       # deadline stopped, overdue, or its deadline has passed
    completed_on_time: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0
    returned: int = 0
    reopened: int = 0                 # reopenings, summed
    reopened_letters: int = 0         # letters reopened at least once
    overdue: int = 0
    supervised: int = 0
    supervision_levels: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    completed: int = 0
    working_days_total: int = 0
    co_handled: int = 0
    co_decided: int = 0               # contributed, or the lead's case is decided
    co_contributed: int = 0
    return_called: int = 0            # letters with a return call (second dissatisfied rating)
    supervision_ordered: int = 0      # letters with at least one supervision order
    ordered_unescalated: int = 0      # of those, not escalated to level 2 or 3 (the order's finding)
    orders_unanswered: int = 0        # letters with an order not answered yet

    @property
    def rates(self) -> dict[str, float | None]:
        """Higher is better; None when no letter is decided yet."""
        return {
            "response": _rate(self.signed_on_time, self.response_decided),
            "on_time": _rate(self.completed_on_time, self.completion_decided),
            "resolution": _rate(self.resolved, self.rated),
            "satisfaction": _rate(self.satisfied, self.rated),
        }

    @property
    def finding_rates(self) -> dict[str, float | None]:
        """Lower is better: the shares the deductions are taken from (each letter once)."""
        return {
            # Level 1 is the overdue itself (already in on_time): only escalation beyond it is a
            # further finding, each letter at its highest level.
            "escalation_level_2": _rate(self.supervision_levels.get(2, 0), self.completion_decided),
            "escalation_level_3": _rate(self.supervision_levels.get(3, 0), self.completion_decided),
            "reopened": _rate(self.reopened_letters, max(self.completed, self.reopened_letters)),
            "co_handling_missed": _rate(self.co_decided - self.co_contributed, self.co_decided),
            # Dissatisfied again after the rework: a second finding of the letter, once, like the
            # reopening before it; the centre's decision (reopen or close) adds none.
            "return_call": _rate(self.return_called, max(self.completed, self.return_called)),
            # A supervisor's order: one supervision finding per letter, unless the letter is
            # already counted at level 2 or 3 (each letter once at its heaviest).
            "supervision_order": _rate(self.ordered_unescalated, self.completion_decided),
        }

    @property
    def undecided(self) -> dict[str, int]:
        return {"response": self.received - self.response_decided,
                "on_time": self.received - self.completion_decided}

    @property
    def average_working_days(self) -> float | None:
        return round(self.working_days_total / self.completed, 2) if self.completed else None

    @property
    def co_handling_missed(self) -> int:
        return self.co_decided - self.co_contributed


def _rate(part: int, whole: int) -> float | None:
    return min(1.0, part / whole) if whole else None


def metrics_of(unit_code: str, group: str, totals: Mapping[str, int], late: Mapping[str, int]) -> UnitMetrics:
    """A unit's metrics from its running totals and what time has decided since (`late`)."""
    t = {name: int(totals.get(name, 0)) for name in COUNTERS}
    x = {name: int(late.get(name, 0)) for name in LAPSED}
    return UnitMetrics(
        unit_code, group, received=t["received"], response_decided=t["signed"] + x["response_lapsed"],
        signed_on_time=t["signed_on_time"], completion_decided=t["completion_known"] + x["completion_lapsed"],
        completed_on_time=t["completed_on_time"], rated=t["rated"], resolved=t["resolved"],
        satisfied=t["satisfied"], returned=t["returned"], reopened=t["reopened"],
        reopened_letters=t["reopened_letters"], overdue=t["overdue"], supervised=t["supervised"],
        supervision_levels={lvl: t[f"supervision_level_{lvl}"] for lvl in (1, 2, 3)}, completed=t["completed"],
        working_days_total=t["working_days_total"], co_handled=t["co_handled"],
        co_decided=t["co_known"] + x["co_lapsed"], co_contributed=t["co_contributed"],
        return_called=t["return_called"], supervision_ordered=t["supervision_ordered"],
        ordered_unescalated=t["ordered_unescalated"], orders_unanswered=t["orders_unanswered"],
    )


def aggregate(rows: Iterable[VerdictRow], counts: Callable[[str, datetime], bool],
              now: datetime) -> dict[str, UnitMetrics]:
    """Sum verdict rows into per-unit metrics directly (date ranges, tests, checking the totals).

    `counts(period, received_at)` picks the letters of the report.
    """
    chosen = [r for r in rows if counts(r.period, r.received_at)]
    totals: dict[str, dict[str, int]] = {}
    late: dict[str, dict[str, int]] = {}
    for row in chosen:
        for into, part in ((totals, contribution(row)), (late, lapsed(row, now))):
            bucket = into.setdefault(row.unit_code, {})
            for name, n in part.items():
                bucket[name] = bucket.get(name, 0) + n
    groups: dict[str, tuple[datetime, str]] = {}
    for (_, unit), mark in group_of(chosen).items():
        if unit not in groups or mark > groups[unit]:
            groups[unit] = mark
    units = {r.unit_code for r in chosen if r.role != "excluded"}
    return {u: metrics_of(u, groups[u][1] if u in groups else "ungrouped", totals.get(u, {}), late.get(u, {}))
            for u in sorted(units)}
