"""A period's report: verdicts -> metrics -> scores -> ranking, as pure steps.

The service reads metrics from running totals (adapters/verdicts.py); `scorecards_of_facts`
computes the same from facts alone, the reference the tests compare with.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.assessment.domain.appeals import AppealVerdict, judge
from services.assessment.domain.facts import Fact
from services.assessment.domain.metrics import UnitMetrics, aggregate
from services.assessment.domain.scoring import UnitScoreCard, Weights, rank, score_of
from services.assessment.domain.verdicts import VerdictRow, rows_of
from shared.contracts.local_time import SHANGHAI


def verdicts(facts: Iterable[Fact]) -> list[AppealVerdict]:
    """Judge every appeal once; a fact stated twice (same identity) counts once, as in the table."""
    by_appeal: dict[UUID, dict[tuple[str, str, datetime], Fact]] = {}
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


def verdict_rows(all_verdicts: Iterable[AppealVerdict]) -> list[VerdictRow]:
    return [row for verdict in all_verdicts for row in rows_of(verdict)]


def scorecards(metrics: Iterable[UnitMetrics], weights: Weights,
               previous_ranks: Mapping[str, int] | None = None) -> list[UnitScoreCard]:
    return rank([score_of(m, weights) for m in metrics], previous_ranks)


def scorecards_of_facts(facts: Iterable[Fact], counts: Callable[[str, datetime], bool], now: datetime,
                        weights: Weights, previous_ranks: Mapping[str, int] | None = None) -> list[UnitScoreCard]:
    """The whole computation from facts, in memory: the definition the stored totals must match."""
    units = aggregate(verdict_rows(verdicts(facts)), counts, now)
    return scorecards(units.values(), weights, previous_ranks)


def as_rows(cards: Iterable[UnitScoreCard]) -> list[dict[str, Any]]:
    """The cards as plain, JSON-ready rows (what the API shows and a publication stores)."""
    rows = []
    for card in cards:
        m = card.metrics
        rows.append({
            "unit_code": m.unit_code, "group": m.group, "received": m.received,
            "score": card.score, "rank": card.rank, "rank_change": card.rank_change,
            "rates": {k: None if v is None else round(v, 4) for k, v in m.rates.items()},
            "finding_rates": {k: None if v is None else round(v, 4) for k, v in m.finding_rates.items()},
            "deductions": card.deductions, "undecided": m.undecided,
            "response_decided": m.response_decided,
            "signed_on_time": m.signed_on_time, "completion_decided": m.completion_decided,
            "completed_on_time": m.completed_on_time, "rated": m.rated, "resolved": m.resolved,
            "satisfied": m.satisfied, "returned": m.returned, "reopened": m.reopened,
            "overdue": m.overdue, "supervised": m.supervised, "reopened_letters": m.reopened_letters,
            "supervision_levels": {str(k): v for k, v in sorted(m.supervision_levels.items())},
            "completed": m.completed, "average_working_days": m.average_working_days,
            "co_handled": m.co_handled, "co_decided": m.co_decided, "co_contributed": m.co_contributed,
            "return_called": m.return_called, "supervision_ordered": m.supervision_ordered,
            "orders_unanswered": m.orders_unanswered,
        })
    return rows
