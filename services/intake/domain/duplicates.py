"""并单: is a new appeal the same problem as an earlier, still open one of the same petitioner?

The rule is deliberately plain so an operator can explain every merge: all of
- the same petitioner phone (canonical form),
- the same district, appeal type and category (the routing key: the same unit handles it),
- the same privacy choice (a private appeal is never folded into a public one, or back),
- the earlier appeal is accepted, not merged itself, and still open (no reply, not closed,
  or reopened), and was received within `window_days` before the new one,
- the two texts share enough character bigrams: Jaccard similarity >= `min_similarity`.
Among several earlier appeals that qualify, the most similar wins (then the most recent).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID


@dataclass(frozen=True)
class SameProblemRule:
    window_days: int = 30
    # Calibrated on rephrasings of one complaint (about 0.3-0.6) against different problems
    # of the same category from the same person (below 0.15); see the unit tests.
    min_similarity: float = 0.25
    # Only the petitioner's most recent accepted appeals are compared: bounds the work for
    # someone who files hundreds.
    candidates: int = 50


RULE = SameProblemRule()


@dataclass(frozen=True)
class ProblemFacts:
    """What the rule compares about one appeal."""

    petitioner_phone: str
    district: str
    appeal_type: str
    category: str
    private: bool
    description: str
    received_at: datetime


@dataclass(frozen=True)
class EarlierAppeal:
    appeal_id: UUID
    tracking_number: str
    facts: ProblemFacts
    open: bool  # accepted, not merged, and not replied / closed (or reopened since)


@dataclass(frozen=True)
class SameProblem:
    into: EarlierAppeal
    similarity: float
    reason: str


class PetitionersAppeals:
    """Each petitioner's accepted appeals a new one may repeat, most recent first.

    Loaded once for a run of submissions; `add` puts an appeal the run accepts in front, so a
    repeat later in the same run is compared with it exactly as if it had been stored first.
    """

    def __init__(self, appeals: Iterable[EarlierAppeal] = (), rule: SameProblemRule = RULE):
        self._limit = rule.candidates
        self._by_phone: dict[str, list[EarlierAppeal]] = defaultdict(list)
        for appeal in sorted(appeals, key=lambda a: a.facts.received_at, reverse=True):
            self._by_phone[appeal.facts.petitioner_phone].append(appeal)

    def of(self, phone: str) -> list[EarlierAppeal]:
        return self._by_phone.get(phone, [])[:self._limit]

    def add(self, appeal: EarlierAppeal) -> None:
        self._by_phone[appeal.facts.petitioner_phone].insert(0, appeal)


# Letters, digits and CJK ideographs carry meaning; punctuation and spaces do not.
_NOISE = re.compile(r"[^\w]|_", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    """Overlapping pairs of meaningful characters: Chinese has no spaces to split words on."""
    chars = _NOISE.sub("", text.lower())
    if len(chars) < 2:
        return frozenset({chars}) if chars else frozenset()
    return frozenset(chars[i:i + 2] for i in range(len(chars) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character bigrams, 0..1."""
    left, right = bigrams(a), bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def find_same_problem(new: ProblemFacts, earlier: list[EarlierAppeal],
                      rule: SameProblemRule = RULE) -> SameProblem | None:
    """The earlier open appeal this one repeats, or None when it is a new problem."""
    window = timedelta(days=rule.window_days)
    best: tuple[float, datetime, EarlierAppeal] | None = None
    for candidate in earlier:
        old = candidate.facts
        if not (candidate.open
                and old.petitioner_phone == new.petitioner_phone
                and (old.district, old.appeal_type, old.category) == (new.district, new.appeal_type, new.category)
                and old.private == new.private
                and timedelta(0) <= new.received_at - old.received_at <= window):
            continue
        score = similarity(old.description, new.description)
        if score >= rule.min_similarity and (best is None or (score, old.received_at) > best[:2]):
            best = (score, old.received_at, candidate)
    if best is None:
        return None
    score, _, into = best
    return SameProblem(
        into, round(score, 3),
        f"same petitioner, district and category as {into.tracking_number}, which is still open; "
        f"text similarity {score:.2f} >= {rule.min_similarity} within {rule.window_days} days",
    )
