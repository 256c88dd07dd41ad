"""The score formula, its versioned weights and deductions, and the ranking within groups.

    base  = 100 * sum(w_r * rate_r) / sum(w_r)   over the weighted rates r that have decided letters
    score = base * (1 - sum(p_d * finding_rate_d) / 100)

Every term is a share of a unit's decided letters, so a unit ten times the size with the same
behaviour has the same score, and a unit scores near 0 only if its rates are near 0. A
deduction `p_d` is the share of the score (in points out of 100) taken away when *every*
decided letter has the finding; the points of a version sum to at most 100, so no score can
fall below 0. Rounded to 2 decimals. A unit that held no appeal in the period has no score.

Versions of the first formula (`basis` "per_occurrence": fixed points per overdue or
supervised letter, subtracted from the base) are still computed for the months closed with
them, but no new version may count occurrences: such a score falls with volume alone.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from services.assessment.domain.metrics import UnitMetrics

RATE_NAMES = ("response", "on_time", "resolution", "satisfaction")
DEDUCTION_NAMES = ("escalation_level_2", "escalation_level_3", "reopened", "co_handling_missed",
                   "return_call", "supervision_order")
RATE_BASIS, OCCURRENCE_BASIS = "rate", "per_occurrence"
# The first formula's deductions (points per occurrence), readable only in old versions.
OCCURRENCE_DEDUCTIONS = ("overdue", "supervision_level_1", "supervision_level_2", "supervision_level_3",
                         "reopened", "co_handling_missed")
MAX_DEDUCTION_POINTS = 100
GROUPS = ("municipal_department", "district_government", "enterprise", "stationed_unit")
_WHY_NOT = {
    "overdue": "an overdue letter is already counted in the on_time rate; weight on_time instead",
    "supervision_level_1": "level-1 supervision is the overdue finding itself (the on_time rate); "
                           "counting it again would count one finding twice",
    "supervision_level_2": "use escalation_level_2 (a share of decided letters, not a count)",
    "supervision_level_3": "use escalation_level_3 (a share of decided letters, not a count)",
}


@dataclass(frozen=True)
class Weights:
    version: str
    weights: Mapping[str, float]
    deductions: Mapping[str, float]
    basis: str = RATE_BASIS


@dataclass(frozen=True)
class UnitScoreCard:
    metrics: UnitMetrics
    score: float | None
    deductions: dict[str, float]
    rank: int | None = None
    rank_change: int | None = None


def problems(weights: object, deductions: object, basis: object = RATE_BASIS) -> list[tuple[str, str]]:
    """What is wrong with a proposed version, as (field, reason); empty when it is usable.

    Refused: anything that could make a score negative, or make it depend on volume.
    """
    found: list[tuple[str, str]] = []
    if basis != RATE_BASIS:
        found.append(("basis", f"only '{RATE_BASIS}': points per occurrence grow with a unit's volume, so a big "
                               "unit would score lower than a small one with the same quality"))
    if not isinstance(weights, Mapping) or not weights:
        return found + [("weights", f"must be an object with some of {', '.join(RATE_NAMES)}")]
    for name, value in weights.items():
        if name not in RATE_NAMES:
            found.append((f"weights.{name}", f"unknown rate; one of {', '.join(RATE_NAMES)}"))
        elif not _number(value):
            found.append((f"weights.{name}", "must be a number"))
        elif value < 0:
            found.append((f"weights.{name}", "must not be negative"))
    if not found:
        total = sum(weights.values())
        if not math.isclose(total, 100, abs_tol=1e-9):
            found.append(("weights", f"must sum to 100 (the score is out of 100); they sum to {total:g}"))
    if not isinstance(deductions, Mapping):
        return found + [("deductions", "must be an object of points taken when every decided letter has the finding")]
    good = True
    for name, value in deductions.items():
        if name not in DEDUCTION_NAMES:
            good = False
            found.append((f"deductions.{name}", _WHY_NOT.get(name) or f"unknown deduction; one of {', '.join(DEDUCTION_NAMES)}"))
        elif not _number(value):
            good = False
            found.append((f"deductions.{name}", "must be a number"))
        elif value < 0:
            good = False
            found.append((f"deductions.{name}", "must not be negative (a deduction takes points away)"))
    if good and sum(deductions.values()) > MAX_DEDUCTION_POINTS:
        found.append(("deductions", f"sum to {sum(deductions.values()):g} points; at most {MAX_DEDUCTION_POINTS}, "
                                    "or a unit with every finding on every letter would score below 0"))
    return found


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def base_of(m: UnitMetrics, weights: Weights) -> float:
    rates = m.rates
    used = {name: w for name, w in weights.weights.items() if w > 0 and rates.get(name) is not None}
    total = sum(used.values())
    # `used` holds only the rates that are known: the `or 0.0` never applies, it says so to mypy
    return 100 * sum(w * (rates[name] or 0.0) for name, w in sorted(used.items())) / total if total else 100.0


def score_of(m: UnitMetrics, weights: Weights) -> UnitScoreCard:
    if weights.basis == OCCURRENCE_BASIS:
        return _first_formula(m, weights)
    base = base_of(m, weights)
    findings = m.finding_rates
    # In points of this unit's score, so that score = base - sum(deductions) can be read off.
    deductions = {name: points for name, p in sorted(weights.deductions.items())
                  if (points := round(base * p * (findings.get(name) or 0) / 100, 4))}
    if m.received == 0:
        return UnitScoreCard(m, None, deductions)
    shares = sum(p * (findings.get(name) or 0) for name, p in weights.deductions.items())
    return UnitScoreCard(m, round(max(0.0, base * (1 - shares / 100)), 2), deductions)


def _first_formula(m: UnitMetrics, weights: Weights) -> UnitScoreCard:
    points = weights.deductions
    counts = {
        "overdue": m.overdue, "reopened": m.reopened, "co_handling_missed": m.co_handling_missed,
        **{f"supervision_level_{level}": m.supervision_levels.get(level, 0) for level in (1, 2, 3)},
    }
    deductions = {name: round(points.get(name, 0) * n, 4) for name, n in counts.items() if n and points.get(name, 0)}
    if m.received == 0:
        return UnitScoreCard(m, None, deductions)
    return UnitScoreCard(m, round(max(0.0, base_of(m, weights) - sum(deductions.values())), 2), deductions)


def rank(cards: list[UnitScoreCard], previous: Mapping[str, int] | None = None) -> list[UnitScoreCard]:
    """Rank scored units within their group (ties share a rank: 1, 2, 2, 4); unscored units last.

    `rank_change` is the places gained since the previous period's rank (None if unranked then).
    """
    previous = previous or {}
    ranked: list[UnitScoreCard] = []
    by_group: dict[str, list[UnitScoreCard]] = {}
    for card in cards:
        by_group.setdefault(card.metrics.group, []).append(card)
    for group in sorted(by_group, key=lambda g: (GROUPS.index(g) if g in GROUPS else len(GROUPS), g)):
        members = sorted(by_group[group], key=lambda c: (c.score is None, -(c.score or 0), c.metrics.unit_code))
        position, last_score, last_rank = 0, None, 0
        for card in members:
            if card.score is None:
                ranked.append(card)
                continue
            position += 1
            if card.score != last_score:
                last_rank, last_score = position, card.score
            before = previous.get(card.metrics.unit_code)
            ranked.append(UnitScoreCard(card.metrics, card.score, card.deductions, last_rank,
                                        None if before is None else before - last_rank))
    return ranked
