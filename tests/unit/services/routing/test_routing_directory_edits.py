"""Operators' directory and catalogue edits are checked before they apply; the seed matches the JSON."""

from dataclasses import replace
from pathlib import Path

import pytest

from services.routing.adapters.directory_file import load_directory, read_documents
from services.routing.adapters.directory_seed import seed_sql
from services.routing.domain import directory_edits as edits
from services.routing.domain.dispatch import Rule, Unit, decide

MIGRATIONS = Path(__file__).resolve().parents[4] / "services" / "routing" / "migrations"


@pytest.fixture(scope="module")
def directory():
    return load_directory()


def test_the_seed_migration_is_generated_from_the_shipped_json():
    assert (MIGRATIONS / "003_directory_seed.sql").read_text(encoding="utf-8") == seed_sql(*read_documents())


def test_the_seed_quotes_text_safely():
    unit = {"code": "A", "level": 2, "group": "enterprise", "name_zh": "x'); DROP", "name_en": "O'Neil"}
    sql = seed_sql({"units": [unit]}, {"rules": []})
    assert "'x''); DROP'" in sql and "'O''Neil'" in sql


NDRC = Unit("NDRC", "沈阳市发展和改革委员会", "Development and Reform Commission", 2, "municipal_department",
            categories=("prices",))


def test_a_new_unit_and_rule_change_new_decisions(directory):
    with_unit = edits.put_unit(directory, NDRC)
    positions = {r.id: i * 10 for i, r in enumerate(directory.rules, start=1)}
    rule = Rule("heating-price", "NDRC", "consumer_complaint", frozenset({"prices"}), keywords=("供暖费",), co=("SAMR",))
    changed, new_positions = edits.put_rule(with_unit, rule, positions, None)
    assert new_positions["heating-price"] > max(positions.values())
    decision = decide(changed, "consumer_complaint", "prices", "heping", "供暖费太贵")
    assert (decision.lead.code, [u.code for u in decision.co]) == ("NDRC", ["SAMR"])
    assert decide(directory, "consumer_complaint", "prices", "heping", "供暖费太贵").lead.code == "SAMR"


def test_position_decides_between_equally_specific_rules(directory):
    d = edits.put_unit(directory, NDRC)
    positions = {r.id: i * 10 for i, r in enumerate(d.rules, start=1)}
    rival = Rule("prices-ndrc", "NDRC", "consumer_complaint", frozenset({"prices"}))
    first, _ = edits.put_rule(d, rival, positions, 0)
    last, _ = edits.put_rule(d, rival, positions, None)
    assert decide(first, "consumer_complaint", "prices", "tiexi").lead.code == "NDRC"
    assert decide(last, "consumer_complaint", "prices", "tiexi").lead.code == "SAMR"


@pytest.mark.parametrize(("unit", "field"), [
    (replace(NDRC, code="ndrc"), "code"),
    (replace(NDRC, group="ministry"), "group"),
    (replace(NDRC, level=1), "level"),
    (replace(NDRC, categories=("bribes",)), "categories"),
    (replace(NDRC, districts=("dalian",)), "districts"),
    (replace(NDRC, group="district_government", district=None), "district"),
    (replace(NDRC, group="district_government", district="heping"), "district"),  # heping has one
])
def test_bad_units_are_refused_with_the_field(directory, unit, field):
    with pytest.raises(edits.InvalidEdit) as wrong:
        edits.put_unit(directory, unit)
    assert wrong.value.field == field


def test_a_district_government_cannot_stop_being_one(directory):
    with pytest.raises(edits.InvalidEdit, match="fallback"):
        edits.put_unit(directory, replace(directory.units["DIST-FAKU"], group="municipal_department", district=None))
    with pytest.raises(edits.InvalidEdit, match="fallback"):
        edits.remove_unit(directory, "DIST-FAKU")


def test_a_unit_named_by_rules_cannot_be_removed(directory):
    with pytest.raises(edits.InvalidEdit, match="consumer-market"):
        edits.remove_unit(directory, "SAMR")
    assert "NDRC" not in edits.remove_unit(edits.put_unit(directory, NDRC), "NDRC").units


@pytest.mark.parametrize(("rule", "field"), [
    (Rule("Bad Id", "SAMR", "consumer_complaint"), "id"),
    (Rule("rr", "SAMR", "complaint"), "appeal_type"),
    (Rule("rr", "SAMR", "consumer_complaint", frozenset({"taxation"})), "categories"),
    (Rule("rr", "SAMR", district="dalian"), "district"),
    (Rule("rr", "SAMR", keywords=(" ",)), "keywords"),
    (Rule("rr", "NOPE", "consumer_complaint"), "lead"),
    (Rule("rr", "CENTRE-12345", "consumer_complaint"), "lead"),
    (Rule("rr", "SAMR", "consumer_complaint", co=("SAMR",)), "co"),
    (Rule("rr", "SAMR", "consumer_complaint", co=("NOPE",)), "co"),
    (Rule("rr", "SAMR"), "rule"),
])
def test_bad_rules_are_refused_with_the_field(directory, rule, field):
    with pytest.raises(edits.InvalidEdit) as wrong:
        edits.put_rule(directory, rule, {}, None)
    assert wrong.value.field == field


def test_removing_a_rule_falls_back_to_the_district_government(directory):
    without = edits.remove_rule(directory, "request-heating")  # livelihood is district-owned
    assert decide(without, "public_service_request", "livelihood", "faku", "暖气不热").lead.code == "DIST-FAKU"
    with pytest.raises(edits.InvalidEdit):
        edits.remove_rule(directory, "no-such-rule")
