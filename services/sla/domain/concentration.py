"""Concentrated appeals: many accepted appeals on the same problem inside a sliding window.

Two rules, both thresholds from data: the same category in the same district, and
near-identical text (character-bigram Jaccard similarity; Chinese has no spaces, so words
cannot be split reliably). Text is compared by hashed bigrams, so sla never stores the
appeal text itself (it may carry names or phone numbers).
"""

import math
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

MAX_SHINGLES = 512


@dataclass(frozen=True)
class ConcentrationRules:
    window: timedelta
    same_category_district: int
    similar_text_min_similarity: float
    similar_text_min_count: int

    def __post_init__(self):
        if self.same_category_district < 2 or self.similar_text_min_count < 2:
            raise ValueError("a concentration needs at least two appeals")
        if not 0 < self.similar_text_min_similarity <= 1:
            raise ValueError("similarity threshold must be in (0, 1]")


@dataclass(frozen=True)
class Profile:
    """What concentration detection keeps of an accepted appeal."""

    appeal_id: UUID
    category: str
    district: str
    shingles: frozenset[int]
    accepted_at: datetime


@dataclass(frozen=True)
class Finding:
    rule: str  # "category_district" or "similar_text"
    description: str  # the threshold that fired, for ConcentrationDetected.rule
    members: tuple[UUID, ...]


def shingles(text: str) -> frozenset[int]:
    """Hashed character bigrams of the text, punctuation and spaces removed, NFKC-folded."""
    kept = [c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum()]
    grams = {zlib.crc32("".join(kept[i:i + 2]).encode()) & 0x7FFFFFFF for i in range(len(kept) - 1)}
    return frozenset(sorted(grams)[:MAX_SHINGLES])


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class TextPrefilter:
    """Necessary conditions for Jaccard(a, b) >= t, checkable by an index (exact test after).

    |a & b| >= t|a u b| >= t|a|, so b holds at least k = ceil(t|a|) of a's shingles and misses
    at most |a| - k of them: b shares one of any |a| - k + 1 shingles of a (the `prefix`, here
    the smallest hashes). And t|a| <= |b| <= |a|/t. Bounds are rounded outwards, never inwards.
    """

    prefix: list[int]
    min_size: int
    max_size: int

    def admits(self, b: frozenset[int]) -> bool:
        """The same test as the SQL's `shingles && prefix AND cardinality BETWEEN min AND max`."""
        return self.min_size <= len(b) <= self.max_size and not b.isdisjoint(self.prefix)


def text_prefilter(a: frozenset[int], min_similarity: float) -> TextPrefilter | None:
    """None when nothing can be similar to `a` (no shingles)."""
    if not a:
        return None
    size = len(a)
    need = max(math.floor(min_similarity * size - 1e-9), 1)  # <= the true minimum overlap
    ordered = sorted(a)
    return TextPrefilter(prefix=ordered[:size - need + 1],
                         min_size=max(math.floor(min_similarity * size - 1e-9), 1),
                         max_size=math.ceil(size / min_similarity + 1e-9))


def window_hours(rules: ConcentrationRules) -> int:
    return int(rules.window.total_seconds() // 3600)


def place_description(rules: ConcentrationRules) -> str:
    return f"category+district>={rules.same_category_district} in {window_hours(rules)}h"


def text_description(rules: ConcentrationRules) -> str:
    return (f"text similarity>={rules.similar_text_min_similarity} "
            f"x{rules.similar_text_min_count} in {window_hours(rules)}h")


def detect(new: Profile, recent: Sequence[Profile], rules: ConcentrationRules) -> list[Finding]:
    """The concentrations `new` completes or joins, given the other recent appeals.

    The reference definition of the two thresholds; the service applies the same thresholds
    incrementally (handlers/concentration.py) instead of rescanning the window.
    """
    window = [p for p in recent if p.appeal_id != new.appeal_id
              and abs(new.accepted_at - p.accepted_at) <= rules.window]
    findings = []
    same_place = [p.appeal_id for p in window if p.category == new.category and p.district == new.district]
    if len(same_place) + 1 >= rules.same_category_district:
        findings.append(Finding("category_district", place_description(rules), (*same_place, new.appeal_id)))
    alike = [p.appeal_id for p in window
             if similarity(p.shingles, new.shingles) >= rules.similar_text_min_similarity]
    if len(alike) + 1 >= rules.similar_text_min_count:
        findings.append(Finding("similar_text", text_description(rules), (*alike, new.appeal_id)))
    return findings
