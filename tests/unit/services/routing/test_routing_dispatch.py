"""Transfer by responsibility (services/routing/domain/dispatch.py + adapters/directory_file.py)."""

import json

import pytest

from services.routing.adapters.directory_file import load_directory
from services.routing.domain.dispatch import (
    FALLBACK_RULE,
    Directory,
    NoResponsibleUnit,
    Rule,
    Unit,
    decide,
)
from shared.contracts.events import UnitCode
from shared.contracts.vocabulary import CATEGORIES, District

ALL_PAIRS = [(t.value, c) for t, cats in CATEGORIES.items() for c in cats]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


# --- the shipped directory and catalogue ------------------------------------------------------


def test_every_district_has_its_government(directory):
    assert set(directory.district_governments) == {d.value for d in District}
    for code, unit in directory.district_governments.items():
        assert unit.group == "district_government"
        assert unit.district == code
        assert directory.units[unit.code] is unit


@pytest.mark.parametrize("district", [d.value for d in District])
def test_every_type_category_pair_gets_a_known_lead_unit_in_every_district(directory, district):
    for appeal_type, category in ALL_PAIRS:
        decision = decide(directory, appeal_type, category, district, "")
        assert directory.units.get(decision.lead.code) == decision.lead, (appeal_type, category)
        assert all(directory.units.get(u.code) == u for u in decision.co)
        assert decision.lead not in decision.co
        assert decision.rule_id


def test_unit_codes_satisfy_the_event_contract(directory):
    from pydantic import TypeAdapter

    adapter = TypeAdapter(UnitCode)
    for code in directory.units:
        adapter.validate_python(code)


@pytest.mark.parametrize(
    ("appeal_type", "category", "lead", "rule_id"),
    [
        ("business_environment_complaint", "permits", "BIZ-ENV", "be-line"),
        ("business_environment_complaint", "unfair_treatment", "BIZ-ENV", "be-line"),
        ("consumer_complaint", "prices", "SAMR", "consumer-market"),
        ("consumer_complaint", "food_medicine", "SAMR", "consumer-market"),
        ("consumer_complaint", "medical_health", "HEALTH", "consumer-health"),
        ("consumer_complaint", "tourism", "CULTURE-TOURISM", "consumer-culture-tourism"),
        ("consumer_complaint", "telecommunications", "TELECOM-ADMIN", "consumer-telecom"),
        ("consumer_complaint", "water_supply", "WATER-GROUP", "consumer-water"),
        ("consumer_complaint", "power_supply", "POWER-SUPPLY", "consumer-power"),
        ("economic_violation_report", "prices", "SAMR", "report-market"),
        ("economic_violation_report", "taxation", "TAX", "report-tax"),
        ("economic_violation_report", "agriculture_forestry", "AGRICULTURE", "report-agriculture"),
        ("public_service_request", "job_responsibilities", "HR-SOCIAL", "request-job-policies"),
    ],
)
def test_catalogue_routes_by_type_and_category(directory, appeal_type, category, lead, rule_id):
    decision = decide(directory, appeal_type, category, "tiexi")
    assert (decision.lead.code, decision.rule_id) == (lead, rule_id)


def test_economic_crime_report_has_a_co_handling_unit(directory):
    decision = decide(directory, "economic_violation_report", "economic_crime", "hunnan")
    assert decision.lead.code == "PUBLIC-SECURITY"
    assert [u.code for u in decision.co] == ["SAMR"]
    assert decision.rule_id == "report-crime"


@pytest.mark.parametrize(
    ("appeal_type", "category", "district", "government"),
    [
        ("administrative_efficiency_complaint", "service_attitude", "faku", "DIST-FAKU"),
        ("administrative_efficiency_complaint", "work_style", "heping", "DIST-HEPING"),
        ("public_service_request", "policies", "shenbei", "DIST-SHENBEI"),
        ("public_service_request", "urban_management", "kangping", "DIST-KANGPING"),
    ],
)
def test_unmatched_appeals_fall_back_to_the_district_government(directory, appeal_type, category, district, government):
    decision = decide(directory, appeal_type, category, district)
    assert decision.lead.code == government
    assert decision.co == ()
    assert decision.rule_id == FALLBACK_RULE == "fallback:district-government"


def test_unknown_district_without_a_rule_has_no_responsible_unit(directory):
    with pytest.raises(NoResponsibleUnit):
        decide(directory, "public_service_request", "policies", "dalian")


def test_load_directory_from_another_folder(tmp_path):
    (tmp_path / "directory.json").write_text(json.dumps({"units": [
        {"code": "A", "level": 2, "group": "municipal_department", "name_zh": "甲", "name_en": "A"},
        {"code": "G", "level": 2, "group": "district_government", "district": "heping",
         "name_zh": "和平区人民政府", "name_en": "Heping"},
    ]}), encoding="utf-8")
    (tmp_path / "catalogue.json").write_text(json.dumps({"rules": [
        {"id": "r1", "appeal_type": "consumer_complaint", "categories": ["prices"], "keywords": ["超市"], "lead": "A"},
    ]}), encoding="utf-8")
    loaded = load_directory(tmp_path)
    assert loaded.rules == (Rule("r1", "A", "consumer_complaint", frozenset({"prices"}), None, ("超市",), ()),)
    assert loaded.district_governments == {"heping": loaded.units["G"]}
    assert decide(loaded, "consumer_complaint", "prices", "heping", "超市乱收费").lead.code == "A"
    assert decide(loaded, "consumer_complaint", "prices", "heping", "饭店乱收费").rule_id == FALLBACK_RULE


def test_load_directory_rejects_a_catalogue_naming_an_unknown_unit(tmp_path):
    (tmp_path / "directory.json").write_text(json.dumps({"units": []}), encoding="utf-8")
    (tmp_path / "catalogue.json").write_text(json.dumps({"rules": [{"id": "r", "lead": "NOPE"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="NOPE"):
        load_directory(tmp_path)


# --- hand-built directories: specificity and ties ----------------------------------------------


def unit(code: str, group: str = "municipal_department", district: str | None = None) -> Unit:
    return Unit(code, code, code, 2, group, district)


UNITS = {c: unit(c) for c in ("GENERAL", "LOCAL", "KEYWORD", "FIRST", "SECOND", "CO")}
GOV = unit("GOV-HEPING", "district_government", "heping")
UNITS[GOV.code] = GOV


def make(*rules: Rule) -> Directory:
    return Directory(UNITS, rules, {"heping": GOV})


def test_district_specific_rule_beats_a_general_one():
    directory = make(
        Rule("general", "GENERAL", appeal_type="consumer_complaint"),
        Rule("local", "LOCAL", appeal_type="consumer_complaint", district="faku"),
    )
    assert decide(directory, "consumer_complaint", "prices", "faku").rule_id == "local"
    assert decide(directory, "consumer_complaint", "prices", "heping").rule_id == "general"


def test_keyword_rule_beats_a_general_one_only_when_a_keyword_occurs():
    directory = make(
        Rule("general", "GENERAL", appeal_type="consumer_complaint", categories=frozenset({"prices"})),
        Rule("kw", "KEYWORD", appeal_type="consumer_complaint", categories=frozenset({"prices"}),
             keywords=("停车费", "物业费")),
    )
    assert decide(directory, "consumer_complaint", "prices", "heping", "小区物业费涨价").lead.code == "KEYWORD"
    assert decide(directory, "consumer_complaint", "prices", "heping", "超市标价不清").lead.code == "GENERAL"


def test_earlier_rule_wins_a_tie():
    first = Rule("first", "FIRST", appeal_type="consumer_complaint", categories=frozenset({"prices"}))
    second = Rule("second", "SECOND", appeal_type="consumer_complaint", district="heping")
    assert first.specificity == second.specificity == 2
    assert decide(make(first, second), "consumer_complaint", "prices", "heping").rule_id == "first"
    assert decide(make(second, first), "consumer_complaint", "prices", "heping").rule_id == "second"


def test_non_matching_conditions_exclude_a_rule():
    directory = make(
        Rule("other-type", "FIRST", appeal_type="economic_violation_report"),
        Rule("other-cat", "SECOND", categories=frozenset({"taxation"})),
        Rule("other-district", "LOCAL", district="faku"),
    )
    decision = decide(directory, "consumer_complaint", "prices", "heping", "任意")
    assert decision.rule_id == FALLBACK_RULE
    assert decision.lead is GOV


def test_co_handling_units_are_returned_in_order():
    directory = make(Rule("r", "FIRST", appeal_type="consumer_complaint", co=("CO", "SECOND")))
    decision = decide(directory, "consumer_complaint", "prices", "heping")
    assert decision.lead.code == "FIRST"
    assert [u.code for u in decision.co] == ["CO", "SECOND"]


@pytest.mark.parametrize(
    "rule",
    [Rule("bad-lead", "MISSING"), Rule("bad-co", "FIRST", co=("CO", "MISSING"))],
)
def test_rule_naming_an_unknown_unit_is_refused_at_construction(rule):
    with pytest.raises(ValueError, match="MISSING"):
        make(rule)


def test_no_rules_and_no_government_means_no_responsible_unit():
    with pytest.raises(NoResponsibleUnit):
        decide(make(), "consumer_complaint", "prices", "faku")


# --- the shipped catalogue's keyword rules and co-handling ------------------------------------


@pytest.mark.parametrize(
    ("category", "text", "lead", "co"),
    [
        ("livelihood", "小区暖气不热，供暖温度不达标", "REAL-ESTATE", []),
        ("livelihood", "物业不管电梯维修", "REAL-ESTATE", []),
        ("livelihood", "楼下饭店油烟太大", "ECOLOGY", ["URBAN-MGMT"]),
        ("urban_management", "路边占道经营", "URBAN-MGMT", []),
        ("policies", "孩子入学政策咨询", "EDUCATION", []),
        ("policies", "社保缴费年限怎么算", "HR-SOCIAL", []),
        ("approvals", "", "BIZ-ENV", []),
    ],
)
def test_keyword_rules_of_the_shipped_catalogue(directory, category, text, lead, co):
    decision = decide(directory, "public_service_request", category, "huanggu", text)
    assert (decision.lead.code, [u.code for u in decision.co]) == (lead, co)


def test_every_unit_states_what_it_answers_for(directory):
    for unit in directory.units.values():
        if unit.group == "district_government":
            assert unit.districts == (unit.district,)
        elif unit.level == 2:
            assert unit.categories, unit.code
