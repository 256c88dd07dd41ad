"""How simulated units and petitioners behave: seeded plans, no I/O.

A unit that receives a transfer letter signs it within hours (or returns it as not its
business), sometimes asks for more time, and replies on time or late; a petitioner who
got a reply rates it some days later.
"""

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class UnitPlan:
    returns: bool
    sign_after: timedelta
    extension_days: int  # 0: no extension requested
    reply_after: timedelta  # from signing
    outcome: str  # solved | explained


@dataclass(frozen=True)
class Rating:
    after: timedelta
    satisfaction: str
    solved: bool


@dataclass(frozen=True)
class Temperament:
    """Shares that shape a run; the defaults give a believable month."""

    return_rate: float = 0.04
    extension_rate: float = 0.06
    late_rate: float = 0.10
    rating_rate: float = 0.7
    dissatisfied_rate: float = 0.12


PERIOD_DAYS = {"consultation": 2, "help": 5, "suggestion": 5}


def plan_for(rng: random.Random, appeal_type: str, subtype: str | None, attempt: int,
             temperament: Temperament = Temperament()) -> UnitPlan:
    period = PERIOD_DAYS.get(subtype or "", 20)
    late = rng.random() < temperament.late_rate
    # Calendar days roughly 1.4x working days; a late reply overshoots by up to a week.
    days = period * 1.4 * (1.1 + rng.random() * 0.3 if late else 0.2 + rng.random() * 0.7)
    return UnitPlan(
        returns=attempt == 1 and rng.random() < temperament.return_rate,
        sign_after=timedelta(hours=rng.uniform(0.2, 20)),
        extension_days=rng.choice((5, 10)) if rng.random() < temperament.extension_rate else 0,
        reply_after=timedelta(days=days),
        outcome="solved" if rng.random() < 0.8 else "explained",
    )


def rating_for(rng: random.Random, outcome: str, temperament: Temperament = Temperament()) -> Rating | None:
    if rng.random() > temperament.rating_rate:
        return None
    unhappy = rng.random() < temperament.dissatisfied_rate * (2 if outcome == "explained" else 1)
    satisfaction = "dissatisfied" if unhappy else rng.choice(("satisfied", "satisfied", "basically_satisfied"))
    return Rating(timedelta(days=rng.uniform(0.5, 3)), satisfaction,
                  solved=outcome == "solved" and not unhappy)
