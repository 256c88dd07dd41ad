"""The centre's knowledge base of common questions, and matching a consultation to an entry (直接办结).

An entry has question variants, one answer, the consultation label it answers, the unit that
owns the answer, a validity period and a version (every edit is a new version; the newest
version of an entry is the one in force). A consultation matches an entry of its own label,
valid on the day, when its text is close enough to one of the variants: cosine similarity of
the same features the classifier uses (words, word pairs, character pairs). Only a close match
is offered: a wrong answer at intake would close an appeal nobody handled.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.intake.domain.taxonomy import Label
from services.intake.domain.text_model import features
from services.intake.domain.validators import InvalidField
from shared.contracts.vocabulary import RequestSubtype

# Cosine of feature counts. Measured on 租房可以提取公积金吗: rephrasings 0.45-1.0 (请问租房能不能提取公积金
# 0.45), other questions about the fund 0.14-0.18; a close neighbour (租房提取公积金需要什么材料) 0.44.
# Entries should carry several variants: the best variant counts.
MATCH_AT_LEAST = 0.45
_UNIT = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")


class InvalidEntry(InvalidField):
    """A knowledge-base entry refused: the field and why."""


@dataclass(frozen=True)
class Entry:
    entry_id: UUID
    version: int
    questions: tuple[str, ...]
    answer: str
    label: str
    unit_code: str
    valid_from: date
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def check_entry(entry: Entry, labels: frozenset[str]) -> Entry:
    """The entry as given, or InvalidEntry naming the field and why."""
    questions = tuple(q.strip() for q in entry.questions)
    if not questions or len(questions) > 20 or any(not q or len(q) > 200 for q in questions):
        raise InvalidEntry("questions", "1 to 20 question variants, each 1 to 200 characters")
    if not entry.answer.strip() or len(entry.answer) > 2000:
        raise InvalidEntry("answer", "1 to 2000 characters")
    try:
        label = Label.parse(entry.label)
    except ValueError as wrong:
        raise InvalidEntry("label", str(wrong)) from None
    if label.subtype is not RequestSubtype.CONSULTATION:
        raise InvalidEntry("label", "only consultations are answered at intake (public_service_request/consultation/...)")
    if entry.label not in labels:
        raise InvalidEntry("label", f"{entry.label} is not a label of the taxonomy in force")
    if not _UNIT.match(entry.unit_code):
        raise InvalidEntry("unit_code", "a unit code of the directory, e.g. HOUSING-FUND")
    if entry.valid_to is not None and entry.valid_to < entry.valid_from:
        raise InvalidEntry("valid_to", "on or after valid_from")
    return Entry(entry.entry_id, entry.version, questions, entry.answer.strip(), entry.label, entry.unit_code,
                 entry.valid_from, entry.valid_to)


def _vector(text: str) -> tuple[Counter[str], float]:
    counts = Counter(features(text))
    return counts, math.sqrt(sum(v * v for v in counts.values()))


def similarity(a: str, b: str) -> float:
    (ca, na), (cb, nb) = _vector(a), _vector(b)
    if not na or not nb:
        return 0.0
    return sum(v * cb[k] for k, v in ca.items() if k in cb) / (na * nb)


@dataclass(frozen=True)
class Match:
    entry: Entry
    question: str
    score: float


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...] = ()

    def match(self, text: str, label: str, day: date, at_least: float = MATCH_AT_LEAST) -> Match | None:
        """The closest valid entry of this label, when close enough."""
        candidates = [e for e in self.entries if e.label == label and e.valid_on(day)]
        if not candidates:
            return None
        counts, norm = _vector(text)
        if not norm:
            return None
        best: Match | None = None
        for entry in candidates:
            for question in entry.questions:
                other, other_norm = _vector(question)
                if not other_norm:
                    continue
                score = sum(v * other[k] for k, v in counts.items() if k in other) / (norm * other_norm)
                if score >= at_least and (best is None or score > best.score):
                    best = Match(entry, question, round(score, 4))
        return best
