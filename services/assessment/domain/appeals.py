"""What one appeal means for each unit that received it: the per-appeal half of every metric.

An appeal's facts are sorted before they are read, so the verdict does not depend on the
order (or number of times) its events arrived. Rules, in the words of the README:
- a merged duplicate counts for nobody;
- the unit that finally holds the appeal (the letter with the highest attempt, unless that
  unit returned it) is assessed on it; every earlier letter counts as a return for its unit;
- co-handling units named on the holding letter are assessed on their part only;
- every number of a letter counts in the month (Shanghai) the unit received it;
- an appeal answered at intake (直接办结) is the centre's own work and counts for no unit;
- a return call (second dissatisfied rating) is one finding of the holder's letter; the
  centre's decision adds none (routing's AppealReopened / AppealClosed carry its effect);
- a supervision order is a supervision finding of the holder's letter, once per letter.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from services.assessment.domain.facts import RECEIPTS, Fact
from services.assessment.domain.periods import period_of
from services.assessment.domain.workdays import end_of_working_days, working_days_after

# The response window: signed by 24:00 of the first working day after the day of the letter
# (official calendar), so a Friday-evening letter is answered on Monday, not over the weekend.
RESPONSE_WORKING_DAYS = 1
SATISFIED = ("satisfied", "basically_satisfied")


@dataclass(frozen=True)
class HeldAppeal:
    """The holder's verdict on one appeal, from its facts alone (no clock).

    What time decides is stored as the moment it decides it: `response_ends_at` (an unsigned
    letter counts as not responded from then on) and `due_at` (a letter without a deadline stop
    or overdue counts as late from then on). Whether that moment has come is asked at read time.
    """

    appeal_id: UUID
    unit_code: str
    group: str
    period: str
    received_at: datetime
    tracking_number: str | None
    signed_at: datetime | None         # the holder's first signature of this letter
    response_ends_at: datetime
    completed_on_time: bool | None     # None: no deadline stop and not overdue yet
    due_at: datetime | None            # the latest deadline sla set for the holder
    resolved: bool | None              # None: not rated
    satisfied: bool | None             # None: not rated
    reopened: int
    overdue: bool
    supervision_level: int             # highest level raised, 0 for none
    working_days: int | None           # None: not replied yet
    return_called: bool = False        # a return call (差评二次回访) was requested for this letter
    supervision_orders: int = 0        # supervision orders (督办单) issued to the holder
    orders_unanswered: int = 0         # of those, not answered yet
    evidence: dict[str, tuple[UUID, ...]] = field(default_factory=dict)

    @property
    def signed_on_time(self) -> bool:
        return self.signed_at is not None and self.signed_at <= self.response_ends_at


@dataclass(frozen=True)
class LostLetter:
    """A letter the unit returned or that was re-dispatched away from it."""

    appeal_id: UUID
    unit_code: str
    group: str
    period: str
    received_at: datetime
    event_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class CoHandling:
    appeal_id: UUID
    unit_code: str
    lead_unit_code: str
    period: str
    received_at: datetime
    contributed: bool
    event_ids: tuple[UUID, ...]
    lead_completed: bool = False       # the lead's deadline stopped or went overdue
    due_at: datetime | None = None     # the lead's deadline: the part is decided by then


@dataclass(frozen=True)
class AppealVerdict:
    appeal_id: UUID
    excluded: str | None = None        # why the appeal counts for nobody
    letters: tuple[tuple[str, str, datetime, str], ...] = ()  # (unit, month, time, group) of every letter
    held: HeldAppeal | None = None
    lost: tuple[LostLetter, ...] = ()
    co_handling: tuple[CoHandling, ...] = ()


def _order(fact: Fact) -> tuple[datetime, str, str, int, UUID]:
    return (fact.occurred_at, fact.kind, fact.unit_code, fact.attempt or 0, fact.event_id)


def judge(appeal_id: UUID, facts: list[Fact]) -> AppealVerdict:
    """Decide what the appeal counts for, from its facts in any order."""
    facts = sorted(facts, key=_order)
    letters = sorted((f for f in facts if f.kind in RECEIPTS),
                     key=lambda f: (f.attempt or 1, f.occurred_at, f.unit_code))
    kinds = {f.kind for f in facts}
    if "merged" in kinds:
        return AppealVerdict(appeal_id, excluded="merged duplicate",
                             letters=tuple((f.unit_code, period_of(f.occurred_at), f.occurred_at, f.label or "ungrouped")
                                           for f in letters))
    if "answered_at_intake" in kinds:
        # 直接办结: closed by the centre from the knowledge base; no unit is assessed on it
        # (and a letter sent before the answer, if any, is not one of its findings either).
        return AppealVerdict(appeal_id, excluded="answered by the centre",
                             letters=tuple((f.unit_code, period_of(f.occurred_at), f.occurred_at, f.label or "ungrouped")
                                           for f in letters))
    if not letters:
        return AppealVerdict(appeal_id, excluded="not dispatched yet")
    tracking = next((f.tracking_number for f in facts if f.tracking_number), None)
    final = letters[-1]
    lost = [_lost(f) for f in letters[:-1]]
    returns = [f for f in facts if f.kind == "returned" and f.unit_code == final.unit_code
               and f.occurred_at >= final.occurred_at]
    if returns:  # returned and not (yet) re-dispatched: nobody holds it
        lost.append(_lost(final, returns[0]))
        return AppealVerdict(appeal_id, lost=tuple(lost))
    held = _held(appeal_id, final, facts, tracking)
    co = tuple(_co(appeal_id, final, unit, facts, held) for unit in sorted(set(final.co_units)))
    return AppealVerdict(appeal_id, held=held, lost=tuple(lost), co_handling=co)


def _lost(letter: Fact, returned: Fact | None = None) -> LostLetter:
    ids = (letter.event_id,) + ((returned.event_id,) if returned else ())
    return LostLetter(letter.appeal_id, letter.unit_code, letter.label or "ungrouped",
                      period_of(letter.occurred_at), letter.occurred_at, ids)


def _held(appeal_id: UUID, letter: Fact, facts: list[Fact], tracking: str | None) -> HeldAppeal:
    unit, since = letter.unit_code, letter.occurred_at
    # One pass over the (sorted) facts after the letter; each list keeps time order.
    mine: dict[str, list[Fact]] = {"signed": [], "replied": [], "deadline_stopped": [], "overdue": [],
                                   "supervised": [], "deadline_set": [], "supervision_order": [],
                                   "order_answered": []}
    reopens: list[Fact] = []
    return_calls: list[Fact] = []
    ratings: list[Fact] = []
    for f in facts:
        if f.occurred_at < since:
            continue
        if f.kind == "reopened":
            reopens.append(f)
        elif f.kind == "evaluated":
            # An evaluation names the rated unit when it knows it; one naming another unit is not ours.
            if f.unit_code in ("", unit):
                ratings.append(f)
        elif f.kind == "return_call":
            if f.unit_code in ("", unit):
                return_calls.append(f)
        elif f.unit_code == unit and f.kind in mine:
            mine[f.kind].append(f)
    signed, replies, stops = mine["signed"], mine["replied"], mine["deadline_stopped"]
    overdue, supervision = mine["overdue"], mine["supervised"]
    rating = ratings[-1] if ratings else None
    orders = mine["supervision_order"]
    answered = {f.other_unit for f in mine["order_answered"]}
    on_time: bool | None = None
    if stops or overdue:
        on_time = not overdue and all(f.flag for f in stops)
    evidence = {
        "received": (letter.event_id,),
        "signed": tuple(f.event_id for f in signed[:1]),
        "completed": tuple(f.event_id for f in stops + overdue),
        "rated": (rating.event_id,) if rating else (),
        "reopened": tuple(f.event_id for f in reopens),
        "overdue": tuple(f.event_id for f in overdue),
        "supervised": tuple(f.event_id for f in supervision),
        "replied": tuple(f.event_id for f in replies[:1]),
        "return_call": tuple(f.event_id for f in return_calls),
        "supervision_order": tuple(f.event_id for f in orders + mine["order_answered"]),
    }
    return HeldAppeal(
        appeal_id=appeal_id, unit_code=unit, group=letter.label or "ungrouped",
        period=period_of(since), received_at=since, tracking_number=tracking,
        signed_at=signed[0].occurred_at if signed else None,
        response_ends_at=end_of_working_days(since, RESPONSE_WORKING_DAYS),
        completed_on_time=on_time,
        due_at=max((f.occurred_at for f in mine["deadline_set"]), default=None),
        resolved=None if rating is None else bool(rating.flag),
        satisfied=None if rating is None else rating.label in SATISFIED,
        reopened=len(reopens), overdue=bool(overdue),
        supervision_level=max((f.level or 0 for f in supervision), default=0),
        working_days=working_days_after(since, replies[0].occurred_at) if replies else None,
        return_called=bool(return_calls), supervision_orders=len({f.other_unit for f in orders}),
        orders_unanswered=len({f.other_unit for f in orders} - answered),
        evidence={k: v for k, v in evidence.items() if v},
    )


def _co(appeal_id: UUID, letter: Fact, unit: str, facts: list[Fact], lead: HeldAppeal) -> CoHandling:
    parts = [f for f in facts if f.kind == "co_replied" and f.unit_code == unit
             and f.occurred_at >= letter.occurred_at]
    return CoHandling(appeal_id, unit, letter.unit_code, period_of(letter.occurred_at), letter.occurred_at,
                      contributed=bool(parts), event_ids=(letter.event_id,) + tuple(f.event_id for f in parts[:1]),
                      lead_completed=lead.completed_on_time is not None, due_at=lead.due_at)
