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

from datetime import UTC, datetime
from typing import NamedTuple
from uuid import UUID

from services.assessment.domain.facts import RECEIPTS, Fact
from services.assessment.domain.periods import period_of
from services.assessment.domain.workdays import end_of_working_days, working_days_after
from shared.contracts.local_time import SHANGHAI

# The response window: signed by 24:00 of the first working day after the day of the letter
# (official calendar), so a Friday-evening letter is answered on Monday, not over the weekend.
RESPONSE_WORKING_DAYS = 1
SATISFIED = ("satisfied", "basically_satisfied")

# The verdict's values are named tuples, not frozen dataclasses: as immutable, and the replay
# builds one of each per appeal, millions a month (a frozen dataclass of twenty fields takes
# some 2 us to build, a named tuple a fifth of that).


class HeldAppeal(NamedTuple):
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
    return_called: bool                # a return call (差评二次回访) was requested for this letter
    supervision_orders: int            # supervision orders (督办单) issued to the holder
    orders_unanswered: int             # of those, not answered yet
    evidence: dict[str, tuple[UUID, ...]]  # the event ids behind each finding, findings without any left out

    @property
    def signed_on_time(self) -> bool:
        return self.signed_at is not None and self.signed_at <= self.response_ends_at


class LostLetter(NamedTuple):
    """A letter the unit returned or that was re-dispatched away from it."""

    appeal_id: UUID
    unit_code: str
    group: str
    period: str
    received_at: datetime
    event_ids: tuple[UUID, ...]


class CoHandling(NamedTuple):
    appeal_id: UUID
    unit_code: str
    lead_unit_code: str
    period: str
    received_at: datetime
    contributed: bool
    event_ids: tuple[UUID, ...]
    lead_completed: bool = False       # the lead's deadline stopped or went overdue
    due_at: datetime | None = None     # the lead's deadline: the part is decided by then


class AppealVerdict(NamedTuple):
    appeal_id: UUID
    excluded: str | None = None        # why the appeal counts for nobody
    letters: tuple[tuple[str, str, datetime, str], ...] = ()  # (unit, month, time, group) of every letter
    held: HeldAppeal | None = None
    lost: tuple[LostLetter, ...] = ()
    co_handling: tuple[CoHandling, ...] = ()


# A fact with its time as a UTC instant. The replay's times each carry their own tzinfo object
# (pydantic's), and comparing two such times asks both for their offset: some 0.7 us, fifteen
# times a comparison of two times in one zone. So each time is converted once, the rules
# compare the instants, and the verdict records them: the same instants, in UTC as the stored
# facts come back from the database, so the replay's verdicts are the live ones to the zone
# (and writing them, asyncpg converts no zone either).
Timed = tuple[datetime, Fact]


def _in_order(facts: list[Fact]) -> list[Timed]:
    """The facts by time, then kind, unit, attempt and event id (then as given), each with its instant."""
    keys = sorted([(f.occurred_at.astimezone(UTC), f.kind, f.unit_code, f.attempt or 0, f.event_id, n)
                   for n, f in enumerate(facts)])
    return [(k[0], facts[k[5]]) for k in keys]


def _letter_order(timed: Timed) -> tuple[int, datetime, str]:
    at, f = timed
    return (f.attempt or 1, at, f.unit_code)


def judge(appeal_id: UUID, facts: list[Fact]) -> AppealVerdict:
    """Decide what the appeal counts for, from its facts in any order."""
    timed = _in_order(facts)
    letters = sorted([t for t in timed if t[1].kind in RECEIPTS], key=_letter_order)
    kinds = {f.kind for f in facts}
    if "merged" in kinds:
        return AppealVerdict(appeal_id, excluded="merged duplicate", letters=_letters(letters))
    if "answered_at_intake" in kinds:
        # 直接办结: closed by the centre from the knowledge base; no unit is assessed on it
        # (and a letter sent before the answer, if any, is not one of its findings either).
        return AppealVerdict(appeal_id, excluded="answered by the centre", letters=_letters(letters))
    if not letters:
        return AppealVerdict(appeal_id, excluded="not dispatched yet")
    tracking = next((f.tracking_number for _, f in timed if f.tracking_number), None)
    final = letters[-1]
    since, letter = final
    lost = [_lost(t) for t in letters[:-1]]
    returned = next((f for at, f in timed if f.kind == "returned" and f.unit_code == letter.unit_code
                     and at >= since), None)
    if returned is not None:  # returned and not (yet) re-dispatched: nobody holds it
        lost.append(_lost(final, returned))
        return AppealVerdict(appeal_id, lost=tuple(lost))
    held = _held(appeal_id, final, timed, tracking)
    co = tuple(_co(appeal_id, final, unit, timed, held) for unit in sorted(set(letter.co_units)))
    return AppealVerdict(appeal_id, held=held, lost=tuple(lost), co_handling=co)


def _letters(letters: list[Timed]) -> tuple[tuple[str, str, datetime, str], ...]:
    return tuple((f.unit_code, period_of(at), at, f.label or "ungrouped") for at, f in letters)


def _lost(letter: Timed, returned: Fact | None = None) -> LostLetter:
    at, f = letter
    ids = (f.event_id,) + ((returned.event_id,) if returned else ())
    return LostLetter(f.appeal_id, f.unit_code, f.label or "ungrouped", period_of(at), at, ids)


def _held(appeal_id: UUID, letter: Timed, timed: list[Timed], tracking: str | None) -> HeldAppeal:
    since, unit = letter[0], letter[1].unit_code
    # One pass over the (sorted) facts from the letter on; each list keeps time order.
    mine: dict[str, list[Timed]] = {"signed": [], "replied": [], "deadline_stopped": [], "overdue": [],
                                    "supervised": [], "deadline_set": [], "supervision_order": [],
                                    "order_answered": []}
    reopens: list[Timed] = []
    return_calls: list[Timed] = []
    ratings: list[Timed] = []
    for t in timed:
        at, f = t
        if at < since:
            continue
        kind = f.kind
        if kind == "reopened":
            reopens.append(t)
        elif kind == "evaluated":
            # An evaluation names the rated unit when it knows it; one naming another unit is not ours.
            if f.unit_code in ("", unit):
                ratings.append(t)
        elif kind == "return_call":
            if f.unit_code in ("", unit):
                return_calls.append(t)
        elif f.unit_code == unit and kind in mine:
            mine[kind].append(t)
    signed, replies, stops = mine["signed"], mine["replied"], mine["deadline_stopped"]
    overdue, supervision, deadlines = mine["overdue"], mine["supervised"], mine["deadline_set"]
    rating = ratings[-1][1] if ratings else None
    orders, answers = mine["supervision_order"], mine["order_answered"]
    on_time: bool | None = None
    if stops or overdue:
        on_time = not overdue and all(f.flag for _, f in stops)
    ordered = {f.other_unit for _, f in orders}
    local = since.astimezone(SHANGHAI)  # its day and month are Shenyang's
    return HeldAppeal(
        appeal_id=appeal_id, unit_code=unit, group=letter[1].label or "ungrouped",
        period=period_of(local), received_at=since, tracking_number=tracking,
        signed_at=signed[0][0] if signed else None,
        response_ends_at=end_of_working_days(local, RESPONSE_WORKING_DAYS),
        completed_on_time=on_time,
        due_at=max(at for at, _ in deadlines) if deadlines else None,
        resolved=None if rating is None else bool(rating.flag),
        satisfied=None if rating is None else rating.label in SATISFIED,
        reopened=len(reopens), overdue=bool(overdue),
        supervision_level=max([f.level or 0 for _, f in supervision]) if supervision else 0,
        working_days=working_days_after(local, replies[0][0]) if replies else None,
        return_called=bool(return_calls), supervision_orders=len(ordered),
        orders_unanswered=len(ordered - {f.other_unit for _, f in answers}) if ordered else 0,
        evidence=_evidence([letter], signed[:1], stops + overdue, ratings[-1:], reopens, overdue, supervision,
                           replies[:1], return_calls, orders + answers),
    )


def _evidence(*findings: list[Timed]) -> dict[str, tuple[UUID, ...]]:
    """The event ids behind each finding of the holder's letter, in EVIDENCE order (none, no entry)."""
    return {name: tuple([f.event_id for _, f in found]) for name, found in zip(EVIDENCE, findings, strict=True)
            if found}


# The holder's findings that have evidence, in the order _held passes them (the letter's own first).
EVIDENCE = ("received", "signed", "completed", "rated", "reopened", "overdue", "supervised", "replied",
            "return_call", "supervision_order")


def _co(appeal_id: UUID, letter: Timed, unit: str, timed: list[Timed], lead: HeldAppeal) -> CoHandling:
    since, f = letter
    part = next((p for at, p in timed if p.kind == "co_replied" and p.unit_code == unit and at >= since), None)
    return CoHandling(appeal_id, unit, f.unit_code, period_of(since), since, contributed=part is not None,
                      event_ids=(f.event_id,) + ((part.event_id,) if part is not None else ()),
                      lead_completed=lead.completed_on_time is not None, due_at=lead.due_at)
