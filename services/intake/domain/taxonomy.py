"""What citizens call about, as data: the labels intake classifies into, their keywords and overrides.

A label is (type, subtype, category), written "type/subtype/category" ("-" when there is no
subtype). The category codes are the contract with routing (shared/contracts/vocabulary.py):
routing's catalogue maps every (type, category) of the vocabulary to a unit, and refuses edits
that would leave one without. So a taxonomy naming a category outside the vocabulary is refused
here: no unit would answer for it. The taxonomy is versioned; the centre's admins edit it through
intake's API (`PUT /v1/taxonomy`), and each edit is checked by `parse_taxonomy` before it applies.
"""

from dataclasses import dataclass
from typing import Any

from services.intake.domain.validators import InvalidField
from shared.contracts.vocabulary import CATEGORIES, AppealType, RequestSubtype


class InvalidTaxonomy(InvalidField):
    """A taxonomy document refused: the field and why."""


@dataclass(frozen=True)
class Label:
    appeal_type: AppealType
    subtype: RequestSubtype | None
    category: str

    @property
    def key(self) -> str:
        return f"{self.appeal_type.value}/{self.subtype.value if self.subtype else '-'}/{self.category}"

    @classmethod
    def parse(cls, key: str) -> "Label":
        parts = key.split("/")
        if len(parts) != 3:
            raise ValueError(f"{key!r} is not type/subtype/category")
        kind, subtype, category = parts
        try:
            appeal_type = AppealType(kind)
        except ValueError:
            raise ValueError(f"unknown appeal type {kind!r}") from None
        if subtype == "-":
            sub = None
        else:
            try:
                sub = RequestSubtype(subtype)
            except ValueError:
                raise ValueError(f"unknown subtype {subtype!r}") from None
        if (appeal_type is AppealType.PUBLIC_SERVICE_REQUEST) != (sub is not None):
            raise ValueError("a subtype is required for public-service requests and only for them")
        if category not in CATEGORIES[appeal_type]:
            raise ValueError(f"category {category!r} is not a category of {appeal_type.value} in the "
                             "vocabulary contract, so routing has no unit for it")
        return cls(appeal_type, sub, category)


@dataclass(frozen=True)
class Entry:
    label: Label
    name_zh: str
    name_en: str
    keywords: tuple[str, ...] = ()  # the transparent fallback when no model is loaded


@dataclass(frozen=True)
class Override:
    """A keyword that decides the type whatever the model thinks (e.g. 举报 -> a report)."""

    keywords: tuple[str, ...]
    appeal_type: AppealType
    yields_to: frozenset[str] = frozenset()  # labels the model may still choose (举报违建 is about a building)


@dataclass(frozen=True)
class Taxonomy:
    version: str
    entries: tuple[Entry, ...]
    overrides: tuple[Override, ...] = ()

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(e.label.key for e in self.entries)

    def labels_of(self, appeal_type: AppealType) -> frozenset[str]:
        return frozenset(e.label.key for e in self.entries if e.label.appeal_type is appeal_type)

    def override_for(self, text: str) -> Override | None:
        return next((o for o in self.overrides if any(word in text for word in o.keywords)), None)

    def as_document(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "labels": [{"label": e.label.key, "name_zh": e.name_zh, "name_en": e.name_en,
                        "keywords": list(e.keywords)} for e in self.entries],
            "overrides": [{"keywords": list(o.keywords), "appeal_type": o.appeal_type.value,
                           "yields_to": sorted(o.yields_to)} for o in self.overrides],
        }


def _text(value: object, field: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise InvalidTaxonomy(field, f"a non-blank text of at most {limit} characters")
    return value.strip()


def _words(value: object, field: str, limit: int = 20) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise InvalidTaxonomy(field, "a list of texts")
    return tuple(_text(word, f"{field}[{i}]", limit) for i, word in enumerate(value))


def parse_taxonomy(doc: object) -> Taxonomy:
    """A checked taxonomy, or InvalidTaxonomy naming the field and the reason."""
    if not isinstance(doc, dict):
        raise InvalidTaxonomy("body", "a taxonomy document (version, labels, overrides)")
    version = _text(doc.get("version"), "version", 64)
    raw_labels = doc.get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        raise InvalidTaxonomy("labels", "at least one label")
    entries: list[Entry] = []
    seen: set[str] = set()
    for n, item in enumerate(raw_labels):
        field = f"labels[{n}]"
        if not isinstance(item, dict):
            raise InvalidTaxonomy(field, "an object with label, name_zh, name_en, keywords")
        try:
            label = Label.parse(_text(item.get("label"), f"{field}.label", 100))
        except ValueError as wrong:
            raise InvalidTaxonomy(f"{field}.label", str(wrong)) from None
        if label.key in seen:
            raise InvalidTaxonomy(f"{field}.label", f"{label.key} is listed twice")
        seen.add(label.key)
        entries.append(Entry(label, _text(item.get("name_zh"), f"{field}.name_zh", 50),
                             _text(item.get("name_en"), f"{field}.name_en", 80),
                             _words(item.get("keywords", []), f"{field}.keywords")))
    for appeal_type in AppealType:
        if not any(e.label.appeal_type is appeal_type for e in entries):
            raise InvalidTaxonomy("labels", f"no label of type {appeal_type.value}: its appeals could not be classified")
    overrides: list[Override] = []
    for n, item in enumerate(doc.get("overrides", []) or []):
        field = f"overrides[{n}]"
        if not isinstance(item, dict):
            raise InvalidTaxonomy(field, "an object with keywords, appeal_type, yields_to")
        keywords = _words(item.get("keywords"), f"{field}.keywords")
        if not keywords:
            raise InvalidTaxonomy(f"{field}.keywords", "at least one keyword")
        try:
            appeal_type = AppealType(str(item.get("appeal_type")))
        except ValueError:
            raise InvalidTaxonomy(f"{field}.appeal_type", "one of the five appeal types") from None
        yields_to = frozenset(_words(item.get("yields_to", []), f"{field}.yields_to", 100))
        if unknown := sorted(yields_to - seen):
            raise InvalidTaxonomy(f"{field}.yields_to", f"not labels of this taxonomy: {', '.join(unknown)}")
        overrides.append(Override(keywords, appeal_type, yields_to))
    return Taxonomy(version, tuple(entries), tuple(overrides))
