"""How simulated units, petitioners and the 12345 centre behave: seeded plans, no I/O.

A unit that receives a transfer letter signs it within hours (or returns it as not its
business), sometimes asks for more time, and replies on time or late; a petitioner who
got a reply rates it some days later (the centre's return call). The centre reviews a
returned letter within hours (re-dispatches it to the district's government, or upholds the
first unit), decides an extension request within a day, and a unit answers a reopened
appeal again within days. It also works intake's review queue (an operator classifies each
held appeal within hours, as the simulation knows it truly is) and decides the return calls of
appeals rated dissatisfied a second time within a day (reopen, or close with a reason).

Every plan is drawn from a generator of its own, seeded by the run's seed and the appeal's
stable key (`rng_for`): a plan never depends on the order in which the simulation happened
to see the platform's events, which differs between a quiet and a loaded machine.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta


def rng_for(seed: int, *key: object) -> random.Random:
    """A generator for one decision about one appeal: (seed, appeal key, purpose, attempt...)."""
    digest = hashlib.sha256("/".join(map(str, (seed, *key))).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


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
    uphold_rate: float = 0.3  # the centre finds the returning unit was right to get the letter
    approve_rate: float = 0.8  # extension requests the centre approves
    reopen_rate: float = 0.4  # return calls (差评二次回访) after which the centre reopens the appeal


@dataclass(frozen=True)
class Review:
    after: timedelta
    uphold: bool


@dataclass(frozen=True)
class ExtensionDecision:
    after: timedelta
    approve: bool


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


def review_for(rng: random.Random, temperament: Temperament = Temperament()) -> Review:
    """The centre's review of a returned letter: within working hours' reach, 1-8 h."""
    return Review(timedelta(hours=rng.uniform(1, 8)), uphold=rng.random() < temperament.uphold_rate)


def extension_decision_for(rng: random.Random, temperament: Temperament = Temperament()) -> ExtensionDecision:
    return ExtensionDecision(timedelta(hours=rng.uniform(2, 20)), approve=rng.random() < temperament.approve_rate)


def second_reply_for(rng: random.Random) -> tuple[timedelta, str]:
    """A reopened appeal: the unit answers again within 1-4 days, mostly with a solution."""
    return timedelta(days=rng.uniform(1, 4)), "solved" if rng.random() < 0.7 else "explained"


def intake_review_after(rng: random.Random) -> timedelta:
    """An operator takes a held appeal from intake's review queue within 0.2-4 h."""
    return timedelta(hours=rng.uniform(0.2, 4))


def return_call_for(rng: random.Random, temperament: Temperament = Temperament()) -> tuple[timedelta, bool]:
    """The centre calls the petitioner back within 2-20 h; True: it reopens the appeal."""
    return timedelta(hours=rng.uniform(2, 20)), rng.random() < temperament.reopen_rate
