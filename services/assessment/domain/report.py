"""A period's report: verdicts of its appeals -> metrics -> scores -> ranking, in one pure step.

Both the HTTP API and the period closing call this; the replay test compares its output.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from uuid import UUID

from services.assessment.domain.appeals import AppealVerdict, judge
from services.assessment.domain.facts import Fact
from services.assessment.domain.metrics import aggregate
from services.assessment.domain.periods import SHANGHAI
from services.assessment.domain.scoring import UnitScoreCard, Weights, rank, score_of


def verdicts(facts: Iterable[Fact]) -> list[AppealVerdict]:
    """Judge every appeal once; a fact stated twice (same identity) counts once, as in the table."""
    by_appeal: dict[UUID, dict[tuple, Fact]] = {}
    for fact in facts:
        known = by_appeal.setdefault(fact.appeal_id, {})
        key = (fact.kind, fact.unit_code, fact.occurred_at)
        kept = known.get(key)
        if kept is None or str(fact.event_id) < str(kept.event_id):
            known[key] = fact
    return [judge(appeal_id, list(appeal_facts.values())) for appeal_id, appeal_facts in by_appeal.items()]


def in_month(period: str) -> Callable[[str, datetime], bool]:
    return lambda letter_period, _at: letter_period == period


def in_range(start: date, end: date) -> Callable[[str, datetime], bool]:
    """Letters received on Shanghai dates start..end, both included."""
    return lambda _period, at: start <= at.astimezone(SHANGHAI).date() <= end


def scorecards(all_verdicts: Iterable[AppealVerdict], counts: Callable[[str, datetime], bool],
               weights: Weights, previous_ranks: Mapping[str, int] | None = None) -> list[UnitScoreCard]:
    units = aggregate(all_verdicts, counts)
    return rank([score_of(m, weights) for m in units.values()], previous_ranks)


def as_rows(cards: Iterable[UnitScoreCard]) -> list[dict]:
    """The cards as plain, JSON-ready rows (what the API shows and a publication stores)."""
    rows = []
    for card in cards:
        m = card.metrics
        rows.append({
            "unit_code": m.unit_code, "group": m.group, "received": m.received,
            "score": card.score, "rank": card.rank, "rank_change": card.rank_change,
            "rates": {k: None if v is None else round(v, 4) for k, v in m.rates.items()},
            "deductions": card.deductions,
            "signed_on_time": m.signed_on_time, "completion_decided": m.completion_decided,
            "completed_on_time": m.completed_on_time, "rated": m.rated, "resolved": m.resolved,
            "satisfied": m.satisfied, "returned": m.returned, "reopened": m.reopened,
            "overdue": m.overdue, "supervised": m.supervised,
            "supervision_levels": {str(k): v for k, v in sorted(m.supervision_levels.items())},
            "completed": m.completed, "average_working_days": m.average_working_days,
            "co_handled": m.co_handled, "co_contributed": m.co_contributed,
        })
    return rows
