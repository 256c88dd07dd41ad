"""Propose an appeal's type and category: the business line, what was stated, overrides, the model, keywords.

Order: the business-environment line (12345-6) is always a business-environment complaint; an
operator's stated classification wins; then the taxonomy's overrides (e.g. 举报 makes it a report)
narrow the labels; then the statistical model (domain/text_model.py) decides when its
confidence reaches the model's threshold, and holds the appeal for review when it does not.
Without a model (none trained yet, or a corrupt one) the taxonomy's keyword rules decide: the
label with the most matching keywords wins, and a tie or no match goes to review. Nothing is guessed.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.intake.domain.taxonomy import Label, Override, Taxonomy, parse_taxonomy
from services.intake.domain.text_model import Example, Figures, TextModel
from shared.contracts.vocabulary import CATEGORIES, AppealType, Channel, RequestSubtype

T = AppealType
S = RequestSubtype
SHIPPED_TAXONOMY = Path(__file__).resolve().parents[1] / "data" / "taxonomy.json"


@dataclass(frozen=True)
class KeywordRule:
    appeal_type: AppealType
    subtype: RequestSubtype | None
    category: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    appeal_type: AppealType
    subtype: RequestSubtype | None
    category: str
    method: str
    matched: tuple[str, ...] = ()  # keywords found, or the terms that weighed most for the model
    confidence: float = 1.0
    model_version: str | None = None


class NeedsReview(Exception):
    """The rules cannot decide; an operator must classify the appeal."""


@cache
def shipped_taxonomy() -> Taxonomy:
    return parse_taxonomy(json.loads(SHIPPED_TAXONOMY.read_text(encoding="utf-8")))


def keyword_rules(taxonomy: Taxonomy) -> tuple[KeywordRule, ...]:
    return tuple(KeywordRule(e.label.appeal_type, e.label.subtype, e.label.category, e.keywords)
                 for e in taxonomy.entries if e.keywords)


@dataclass(frozen=True)
class Classifier:
    taxonomy: Taxonomy
    model: TextModel | None = None

    @property
    def rules(self) -> tuple[KeywordRule, ...]:
        return _rules(self.taxonomy)

    def classify(self, text: str, channel: Channel, stated_type: AppealType | None = None,
                 stated_subtype: RequestSubtype | None = None, stated_category: str | None = None) -> Decision:
        if channel is Channel.PHONE_BUSINESS_LINE:
            return self._business_line(text, stated_category)
        if stated_type and stated_category:
            if stated_category not in CATEGORIES[stated_type]:
                raise ValueError(f"category {stated_category!r} does not belong to type {stated_type.value}")
            if (stated_type is T.PUBLIC_SERVICE_REQUEST) != (stated_subtype is not None):
                raise ValueError("subtype is required for public-service requests and only for them")
            return Decision(stated_type, stated_subtype, stated_category, "stated")
        override = self.taxonomy.override_for(text)
        if self.model is not None:
            return self._by_model(text, override)
        rules = self.rules if override is None else tuple(r for r in self.rules if r.appeal_type is override.appeal_type)
        return _by_keywords(text, rules)

    def _by_model(self, text: str, override: Override | None) -> Decision:
        assert self.model is not None
        labels = self.taxonomy.labels
        prediction = self.model.predict(text, allowed=labels)
        if override is not None and prediction.label not in override.yields_to:
            prediction = self.model.predict(text, allowed=self.taxonomy.labels_of(override.appeal_type))
        if prediction.label not in labels:
            raise NeedsReview("the model knows no label of the taxonomy for this text")
        if prediction.confidence < self.model.threshold:
            raise NeedsReview(f"model {self.model.version} unsure: {prediction.label} at "
                              f"{prediction.confidence:.2f} < {self.model.threshold:.2f}")
        label = Label.parse(prediction.label)
        return Decision(label.appeal_type, label.subtype, label.category, "model", prediction.terms,
                        round(prediction.confidence, 4), self.model.version)

    def _business_line(self, text: str, stated_category: str | None) -> Decision:
        be = T.BUSINESS_ENVIRONMENT_COMPLAINT
        if stated_category in CATEGORIES[be]:
            return Decision(be, None, stated_category, "business_line")
        if self.model is not None:
            p = self.model.predict(text, allowed=self.taxonomy.labels_of(be))
            if p.confidence >= self.model.threshold and p.label in self.taxonomy.labels_of(be):
                return Decision(be, None, Label.parse(p.label).category, "business_line", p.terms,
                                round(p.confidence, 4), self.model.version)
        best = _best_rule(text, [r for r in self.rules if r.appeal_type is be])
        return Decision(be, None, best.category if best else "enterprise_obstacles", "business_line",
                        _hits(text, best) if best else ())

    def evaluate(self, examples: list[Example]) -> Figures:
        """How the classifier does on labelled texts it should get right (web/app: nothing stated)."""
        confusion: dict[tuple[str, str], int] = {}
        auto = right = reviewed = 0
        for e in examples:
            try:
                d = self.classify(e.text, Channel.WEB)
            except NeedsReview:
                reviewed += 1
                key = (e.label, "review")
            else:
                auto += 1
                got = Label(d.appeal_type, d.subtype, d.category).key
                right += got == e.label
                key = (e.label, got)
            confusion[key] = confusion.get(key, 0) + 1
        return Figures(len(examples), auto, right, reviewed, confusion)

    def timings(self, texts: list[str], rounds: int = 3,
                clock: Callable[[], float] = time.perf_counter) -> list[float]:
        """Seconds per classification, each text `rounds` times (for the report's median and p99).
        `time.thread_time` measures the CPU the classification used, without the waits of a busy machine."""
        out = []
        for _ in range(rounds):
            for text in texts:
                started = clock()
                try:
                    self.classify(text, Channel.WEB)
                except NeedsReview:
                    pass
                out.append(clock() - started)
        return out


@cache
def _rules(taxonomy: Taxonomy) -> tuple[KeywordRule, ...]:
    return keyword_rules(taxonomy)


def _by_keywords(text: str, rules: tuple[KeywordRule, ...]) -> Decision:
    scored = sorted(((_hits(text, r), r) for r in rules), key=lambda pair: -len(pair[0]))
    if not scored or not scored[0][0]:
        raise NeedsReview("no keyword rule matched")
    (top_hits, top), rest = scored[0], scored[1:]
    if rest and len(rest[0][0]) == len(top_hits) and rest[0][1].category != top.category:
        raise NeedsReview(f"rules tie: {top.category} and {rest[0][1].category}")
    confidence = min(1.0, 0.5 + 0.25 * len(top_hits))
    return Decision(top.appeal_type, top.subtype, top.category, "keywords", top_hits, confidence)


def _hits(text: str, rule: KeywordRule) -> tuple[str, ...]:
    return tuple(word for word in rule.keywords if word in text)


def _best_rule(text: str, rules: list[KeywordRule]) -> KeywordRule | None:
    ranked = [(len(_hits(text, r)), r) for r in rules]
    ranked = [pair for pair in ranked if pair[0]]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


def keyword_classifier() -> Classifier:
    """The shipped taxonomy's keyword rules alone: what intake runs on without a model."""
    return Classifier(shipped_taxonomy())


RULES: tuple[KeywordRule, ...] = keyword_rules(shipped_taxonomy())


def classify(text: str, channel: Channel, stated_type: AppealType | None = None,
             stated_subtype: RequestSubtype | None = None, stated_category: str | None = None,
             classifier: Classifier | None = None) -> Decision:
    """Decide type and category (with the shipped keyword rules unless a classifier is given)."""
    return (classifier or keyword_classifier()).classify(text, channel, stated_type, stated_subtype, stated_category)
