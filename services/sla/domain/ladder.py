"""The reminder and supervision ladder: which step fires when, relative to a deadline.

Steps are data (services/sla/data/rules.json). An offset counts working days from the
deadline's last working day L:
- negative -k: "k working days left", fires at 00:00 Shanghai of the working day that leaves
  k days including itself (-1 is the start of L);
- 0: at the deadline, 24:00 of L;
- positive +k: "overdue by k working days", fires at 24:00 of the k-th working day after L.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from services.sla.domain.calendar import WorkCalendar, working_day_after, working_day_before
from shared.contracts.local_time import SHANGHAI

StepKind = Literal["reminder", "overdue", "supervision"]


@dataclass(frozen=True)
class Step:
    name: str
    kind: StepKind
    offset_working_days: int
    reason: str
    level: int | None = None
    only_early_reminder: bool = False  # only for appeals flagged for earlier reminders


@dataclass(frozen=True)
class Scheduled:
    step: Step
    fire_at: datetime


def parse_steps(raw: list[dict[str, Any]]) -> tuple[Step, ...]:
    """Steps from the rules file; refuses a ladder that could fire ambiguously."""
    steps = []
    for item in raw:
        step = Step(name=item["step"], kind=item["kind"], offset_working_days=int(item["offset_working_days"]),
                    reason=item["reason"], level=item.get("level"),
                    only_early_reminder=bool(item.get("only_early_reminder", False)))
        if step.kind not in ("reminder", "overdue", "supervision"):
            raise ValueError(f"ladder step {step.name}: unknown kind {step.kind!r}")
        if (step.kind == "supervision") != (step.level in (1, 2, 3)):
            raise ValueError(f"ladder step {step.name}: supervision steps (only) carry a level 1..3")
        if step.kind != "reminder" and step.offset_working_days < 0:
            raise ValueError(f"ladder step {step.name}: only reminders fire before the deadline")
        steps.append(step)
    if len({s.name for s in steps}) != len(steps):
        raise ValueError("ladder step names must be unique")
    return tuple(steps)


def last_working_day(due_at: datetime) -> date:
    return due_at.astimezone(SHANGHAI).date() - timedelta(days=1)


def schedule(steps: tuple[Step, ...], calendar: WorkCalendar, due_at: datetime, *,
             early_reminder: bool, not_before: datetime) -> list[Scheduled]:
    """When each applicable step fires for a deadline, in firing order.

    A step that would fall before the clock started (a -3 reminder on a 2-day consultation)
    fires when the clock starts instead: late news is still news.
    """
    last = last_working_day(due_at)
    planned = []
    for step in steps:
        if step.only_early_reminder and not early_reminder:
            continue
        k = step.offset_working_days
        if k < 0:
            day = last if k == -1 else working_day_before(calendar, last, -k - 1)
            fire_at = datetime.combine(day, time.min, tzinfo=SHANGHAI)
        elif k == 0:
            fire_at = due_at
        else:
            fire_at = datetime.combine(working_day_after(calendar, last, k) + timedelta(days=1), time.min,
                                       tzinfo=SHANGHAI)
        planned.append(Scheduled(step, max(fire_at, not_before)))
    order = {s.name: i for i, s in enumerate(steps)}
    return sorted(planned, key=lambda s: (s.fire_at, order[s.step.name]))


def due_now(planned: list[Scheduled], fired: set[str], now: datetime) -> list[Scheduled]:
    return [s for s in planned if s.step.name not in fired and s.fire_at <= now]


def next_pending(planned: list[Scheduled], fired: set[str]) -> Scheduled | None:
    return next((s for s in planned if s.step.name not in fired), None)
