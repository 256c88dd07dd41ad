"""Transfer by responsibility: pick the lead unit (and co-handling units) for an appeal.

The dispatch catalogue is data. A rule names any of type, categories, district and
keywords; the matching rule with the most conditions wins (ties: the earlier rule), and
when none matches, the government of the appeal's district owns it.
"""

from dataclasses import dataclass, field

from shared.contracts.vocabulary import CATEGORIES, AppealType

FALLBACK_RULE = "fallback:district-government"

# The seed's general categories whose owner is the government of the appeal's district unless a
# keyword rule knows better (domain.md: "what no unit takes falls back to the district
# government"). Every other (type, category) of the vocabulary needs a catalogue rule naming a
# unit, so an edit cannot leave a category intake classifies without anyone to answer for it.
DISTRICT_OWNED: frozenset[tuple[str, str]] = frozenset({
    (AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT.value, "work_style"),
    (AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT.value, "service_attitude"),
    (AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT.value, "efficiency"),
    (AppealType.PUBLIC_SERVICE_REQUEST.value, "policies"),
    (AppealType.PUBLIC_SERVICE_REQUEST.value, "livelihood"),
    (AppealType.PUBLIC_SERVICE_REQUEST.value, "urban_management"),
})


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    name_en: str
    level: int
    group: str
    district: str | None = None
    # What the unit answers for, as the directory states it (empty: every category / the whole city).
    categories: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    lead: str
    appeal_type: str | None = None
    categories: frozenset[str] = frozenset()
    district: str | None = None
    keywords: tuple[str, ...] = ()
    co: tuple[str, ...] = ()

    def matches(self, appeal_type: str, category: str, district: str, text: str) -> bool:
        return (
            (self.appeal_type is None or self.appeal_type == appeal_type)
            and (not self.categories or category in self.categories)
            and (self.district is None or self.district == district)
            and (not self.keywords or any(word in text for word in self.keywords))
        )

    @property
    def specificity(self) -> int:
        return sum((self.appeal_type is not None, bool(self.categories), self.district is not None,
                    bool(self.keywords)))


@dataclass(frozen=True)
class Directory:
    units: dict[str, Unit]
    rules: tuple[Rule, ...]
    district_governments: dict[str, Unit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rule in self.rules:
            for code in (rule.lead, *rule.co):
                if code not in self.units:
                    raise ValueError(f"rule {rule.id} names unknown unit {code}")


@dataclass(frozen=True)
class Decision:
    lead: Unit
    co: tuple[Unit, ...]
    rule_id: str


def build_directory(units: dict[str, Unit], rules: tuple[Rule, ...]) -> Directory:
    """A directory whose district fallbacks are its district governments."""
    governments = {u.district: u for u in units.values() if u.group == "district_government" and u.district}
    return Directory(units, rules, governments)


class NoResponsibleUnit(LookupError):
    """Neither a rule nor a district government covers the appeal: an operator decides."""


def decide(directory: Directory, appeal_type: str, category: str, district: str, text: str = "") -> Decision:
    candidates = [r for r in directory.rules if r.matches(appeal_type, category, district, text)]
    if candidates:
        best = max(candidates, key=lambda r: r.specificity)  # max keeps the first of equals
        return Decision(directory.units[best.lead], tuple(directory.units[c] for c in best.co), best.id)
    government = directory.district_governments.get(district)
    if government is None:
        raise NoResponsibleUnit(f"no rule and no district government for {district!r}")
    return Decision(government, (), FALLBACK_RULE)


def covers(rule: Rule, appeal_type: str, category: str) -> bool:
    """The rule sends every appeal of this type and category somewhere (no keyword or district condition)."""
    return (not rule.keywords and rule.district is None
            and (rule.appeal_type is None or rule.appeal_type == appeal_type)
            and (not rule.categories or category in rule.categories))


def uncovered(directory: Directory) -> list[tuple[str, str]]:
    """The vocabulary's (type, category) pairs no catalogue rule maps to a unit (district-owned ones aside)."""
    return [
        (t.value, category)
        for t, categories in CATEGORIES.items() for category in categories
        if (t.value, category) not in DISTRICT_OWNED
        and not any(covers(rule, t.value, category) for rule in directory.rules)
    ]
