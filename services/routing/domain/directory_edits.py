"""Operators' edits of the unit directory and dispatch catalogue, checked before they apply.

An edit yields a whole new Directory (so every rule still names known units and every
district still has its government); it never touches letters already sent.
"""

import re
from dataclasses import replace

from services.routing.domain.dispatch import Directory, Rule, Unit, build_directory, uncovered
from shared.contracts.vocabulary import CATEGORIES, AppealType, District

UNIT_GROUPS = ("platform", "municipal_department", "district_government", "enterprise", "stationed_unit")
_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9:_-]{1,63}$")
_ALL_CATEGORIES = frozenset(c for cats in CATEGORIES.values() for c in cats)
_DISTRICTS = frozenset(d.value for d in District)


class InvalidEdit(ValueError):
    """The edit would leave the directory wrong; `field` says where."""

    def __init__(self, field: str, reason: str) -> None:
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def _check_unit(unit: Unit) -> None:
    if not _CODE.match(unit.code):
        raise InvalidEdit("code", "upper-case letters, digits, '-' or '_', 2 to 32 characters, starting with a letter")
    if unit.group not in UNIT_GROUPS:
        raise InvalidEdit("group", f"one of {', '.join(UNIT_GROUPS)}")
    if unit.level not in (1, 2):
        raise InvalidEdit("level", "1 (the platform) or 2 (a unit it dispatches to)")
    if (unit.level == 1) != (unit.group == "platform"):
        raise InvalidEdit("level", "only the platform is level 1")
    if unit.group == "district_government" and unit.district not in _DISTRICTS:
        raise InvalidEdit("district", "a district government names one of Shenyang's 13 districts")
    if unit.district is not None and unit.district not in _DISTRICTS:
        raise InvalidEdit("district", f"unknown district {unit.district!r}")
    for category in unit.categories:
        if category not in _ALL_CATEGORIES:
            raise InvalidEdit("categories", f"unknown category {category!r}")
    for district in unit.districts:
        if district not in _DISTRICTS:
            raise InvalidEdit("districts", f"unknown district {district!r}")


def put_unit(directory: Directory, unit: Unit) -> Directory:
    _check_unit(unit)
    if unit.group == "district_government":
        for other in directory.units.values():
            if other.code != unit.code and other.group == "district_government" and other.district == unit.district:
                raise InvalidEdit("district", f"{unit.district} already has its government {other.code}")
    old = directory.units.get(unit.code)
    if old is not None and old.group == "district_government" and unit.group != "district_government":
        raise InvalidEdit("group", f"{unit.code} is the fallback of {old.district}; add its successor first")
    return build_directory({**directory.units, unit.code: unit}, directory.rules)


def remove_unit(directory: Directory, code: str) -> Directory:
    unit = directory.units.get(code)
    if unit is None:
        raise InvalidEdit("code", f"no unit {code}")
    if unit.group == "district_government":
        raise InvalidEdit("code", f"{code} is the fallback owner of {unit.district}; it cannot be removed")
    naming = [r.id for r in directory.rules if code in (r.lead, *r.co)]
    if naming:
        raise InvalidEdit("code", f"rules {', '.join(naming)} still name {code}; change them first")
    return build_directory({c: u for c, u in directory.units.items() if c != code}, directory.rules)


def _check_rule(directory: Directory, rule: Rule) -> None:
    if not _RULE_ID.match(rule.id):
        raise InvalidEdit("id", "lower-case letters, digits, ':', '-' or '_', 2 to 64 characters")
    if rule.appeal_type is not None and rule.appeal_type not in {t.value for t in AppealType}:
        raise InvalidEdit("appeal_type", f"unknown appeal type {rule.appeal_type!r}")
    allowed = set(CATEGORIES[AppealType(rule.appeal_type)]) if rule.appeal_type else _ALL_CATEGORIES
    for category in rule.categories:
        if category not in allowed:
            raise InvalidEdit("categories", f"{category!r} is not a category of {rule.appeal_type or 'any type'}")
    if rule.district is not None and rule.district not in _DISTRICTS:
        raise InvalidEdit("district", f"unknown district {rule.district!r}")
    if any(not word.strip() for word in rule.keywords):
        raise InvalidEdit("keywords", "keywords must not be blank")
    for field, codes in (("lead", (rule.lead,)), ("co", rule.co)):
        for code in codes:
            unit = directory.units.get(code)
            if unit is None:
                raise InvalidEdit(field, f"no unit {code} in the directory")
            if unit.level != 2:
                raise InvalidEdit(field, f"{code} is the platform itself, not a unit to dispatch to")
    if rule.lead in rule.co or len(set(rule.co)) != len(rule.co):
        raise InvalidEdit("co", "co-handling units are distinct and do not include the lead unit")
    if rule.specificity == 0:
        raise InvalidEdit("rule", "a rule needs at least one condition (type, categories, district or keywords)")


def put_rule(directory: Directory, rule: Rule, positions: dict[str, int],
             position: int | None) -> tuple[Directory, dict[str, int]]:
    """Add or replace a rule at `position` (default: its old place, or after the last rule)."""
    _check_rule(directory, rule)
    if position is None:
        position = positions.get(rule.id, max(positions.values(), default=0) + 10)
    new_positions = {**positions, rule.id: position}
    by_id = {r.id: r for r in directory.rules}
    by_id[rule.id] = rule
    ordered = tuple(sorted(by_id.values(), key=lambda r: (new_positions[r.id], r.id)))
    changed = build_directory(directory.units, ordered)
    _keep_coverage(directory, changed)
    return changed, new_positions


def remove_rule(directory: Directory, rule_id: str) -> Directory:
    if rule_id not in {r.id for r in directory.rules}:
        raise InvalidEdit("id", f"no rule {rule_id}")
    changed = replace(directory, rules=tuple(r for r in directory.rules if r.id != rule_id))
    _keep_coverage(directory, changed)
    return changed


def _keep_coverage(before: Directory, after: Directory) -> None:
    """Refuse an edit that leaves a category intake may classify without a unit to dispatch it to."""
    lost = sorted(set(uncovered(after)) - set(uncovered(before)))
    if lost:
        named = ", ".join(f"{t}/{c}" for t, c in lost)
        raise InvalidEdit("rule", f"no other rule would dispatch {named}: add one for it first")
