"""Per-unit metrics of a period: sums over the per-appeal verdicts (see appeals.py)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from services.assessment.domain.appeals import AppealVerdict


@dataclass
class UnitMetrics:
    unit_code: str
    group: str = "ungrouped"
    received: int = 0                 # appeals held: not merged, not returned / re-dispatched away
    signed_on_time: int = 0
    completion_decided: int = 0       # deadline stopped, or overdue
    completed_on_time: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0
    returned: int = 0
    reopened: int = 0
    overdue: int = 0
    supervised: int = 0
    supervision_levels: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    completed: int = 0
    working_days_total: int = 0
    co_handled: int = 0
    co_contributed: int = 0
    _group_seen_at: datetime | None = None

    @property
    def rates(self) -> dict[str, float | None]:
        return {
            "response": _rate(self.signed_on_time, self.received),
            "on_time": _rate(self.completed_on_time, self.completion_decided),
            "resolution": _rate(self.resolved, self.rated),
            "satisfaction": _rate(self.satisfied, self.rated),
        }

    @property
    def average_working_days(self) -> float | None:
        return round(self.working_days_total / self.completed, 2) if self.completed else None

    @property
    def co_handling_missed(self) -> int:
        return self.co_handled - self.co_contributed

    def _note_group(self, group: str, at: datetime) -> None:
        # A unit's group is the one on its latest letter of the period (units rarely move).
        if self._group_seen_at is None or (at, group) > (self._group_seen_at, self.group):
            self.group, self._group_seen_at = group, at


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def aggregate(verdicts: Iterable[AppealVerdict], counts: Callable[[str, datetime], bool]) -> dict[str, UnitMetrics]:
    """Sum the verdicts into per-unit metrics; `counts(period, received_at)` picks the period."""
    units: dict[str, UnitMetrics] = {}

    def unit(code: str) -> UnitMetrics:
        return units.setdefault(code, UnitMetrics(code))

    for verdict in verdicts:
        if verdict.excluded:
            continue
        for letter in verdict.lost:
            if counts(letter.period, letter.received_at):
                m = unit(letter.unit_code)
                m.returned += 1
                m._note_group(letter.group, letter.received_at)
        for part in verdict.co_handling:
            if counts(part.period, part.received_at):
                m = unit(part.unit_code)
                m.co_handled += 1
                m.co_contributed += part.contributed
        held = verdict.held
        if held is None or not counts(held.period, held.received_at):
            continue
        m = unit(held.unit_code)
        m._note_group(held.group, held.received_at)
        m.received += 1
        m.signed_on_time += held.signed_on_time
        if held.completed_on_time is not None:
            m.completion_decided += 1
            m.completed_on_time += held.completed_on_time
        if held.resolved is not None:
            m.rated += 1
            m.resolved += held.resolved
            m.satisfied += bool(held.satisfied)
        m.reopened += held.reopened
        m.overdue += held.overdue
        if held.supervision_level:
            m.supervised += 1
            m.supervision_levels[held.supervision_level] += 1
        if held.working_days is not None:
            m.completed += 1
            m.working_days_total += held.working_days
    return units
