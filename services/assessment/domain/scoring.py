"""The score formula, its versioned weights and deductions, and the ranking within groups.

score = sum(weight_r * rate_r) over the weighted rates that have a denominator, scaled so
those weights sum to 100, minus deductions (points per overdue appeal, per supervised appeal
by its highest level, per reopening, per co-handled appeal without a contribution); never
below 0; rounded to 2 decimals. A unit that held no appeal in the period has no score.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from services.assessment.domain.metrics import UnitMetrics

RATE_NAMES = ("response", "on_time", "resolution", "satisfaction")
DEDUCTION_NAMES = ("overdue", "supervision_level_1", "supervision_level_2", "supervision_level_3",
                   "reopened", "co_handling_missed")
GROUPS = ("municipal_department", "district_government", "enterprise", "stationed_unit")


@dataclass(frozen=True)
class Weights:
    version: str
    weights: Mapping[str, float]
    deductions: Mapping[str, float]


@dataclass(frozen=True)
class UnitScoreCard:
    metrics: UnitMetrics
    score: float | None
    deductions: dict[str, float]
    rank: int | None = None
    rank_change: int | None = None


def problems(weights: object, deductions: object) -> list[tuple[str, str]]:
    """What is wrong with a proposed version, as (field, reason); empty when it is usable."""
    found: list[tuple[str, str]] = []
    if not isinstance(weights, Mapping) or not weights:
        return [("weights", f"must be an object with some of {', '.join(RATE_NAMES)}")]
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
        return found + [("deductions", "must be an object of points per occurrence")]
    for name, value in deductions.items():
        if name not in DEDUCTION_NAMES:
            found.append((f"deductions.{name}", f"unknown deduction; one of {', '.join(DEDUCTION_NAMES)}"))
        elif not _number(value):
            found.append((f"deductions.{name}", "must be a number"))
        elif value < 0:
            found.append((f"deductions.{name}", "must not be negative (a deduction takes points away)"))
    return found


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def deductions_of(m: UnitMetrics, weights: Weights) -> dict[str, float]:
    points = weights.deductions
    counts = {
        "overdue": m.overdue, "reopened": m.reopened, "co_handling_missed": m.co_handling_missed,
        **{f"supervision_level_{level}": m.supervision_levels.get(level, 0) for level in (1, 2, 3)},
    }
    return {name: round(points.get(name, 0) * n, 4) for name, n in counts.items() if n and points.get(name, 0)}


def score_of(m: UnitMetrics, weights: Weights) -> UnitScoreCard:
    deductions = deductions_of(m, weights)
    if m.received == 0:
        return UnitScoreCard(m, None, deductions)
    rates = m.rates
    used = {name: w for name, w in weights.weights.items() if w > 0 and rates.get(name) is not None}
    total = sum(used.values())
    base = 100 * sum(w * rates[name] for name, w in sorted(used.items())) / total if total else 100.0
    return UnitScoreCard(m, round(max(0.0, base - sum(deductions.values())), 2), deductions)


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
