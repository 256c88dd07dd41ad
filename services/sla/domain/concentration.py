"""Concentrated appeals: many accepted appeals on the same problem inside a sliding window.

Two rules, both thresholds from data: the same category in the same district, and
near-identical text (character-bigram Jaccard similarity; Chinese has no spaces, so words
cannot be split reliably). Text is compared by hashed bigrams, so sla never stores the
appeal text itself (it may carry names or phone numbers).
"""

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


def detect(new: Profile, recent: Sequence[Profile], rules: ConcentrationRules) -> list[Finding]:
    """The concentrations `new` completes or joins, given the other recent appeals."""
    window = [p for p in recent if p.appeal_id != new.appeal_id
              and abs(new.accepted_at - p.accepted_at) <= rules.window]
    hours = int(rules.window.total_seconds() // 3600)
    findings = []
    same_place = [p.appeal_id for p in window if p.category == new.category and p.district == new.district]
    if len(same_place) + 1 >= rules.same_category_district:
        findings.append(Finding("category_district",
                                f"category+district>={rules.same_category_district} in {hours}h",
                                (*same_place, new.appeal_id)))
    alike = [p.appeal_id for p in window
             if similarity(p.shingles, new.shingles) >= rules.similar_text_min_similarity]
    if len(alike) + 1 >= rules.similar_text_min_count:
        findings.append(Finding("similar_text",
                                f"text similarity>={rules.similar_text_min_similarity} "
                                f"x{rules.similar_text_min_count} in {hours}h",
                                (*alike, new.appeal_id)))
    return findings
