"""The city taxonomy's categories each reach a unit; edits that would orphan one are refused."""

from pathlib import Path

import pytest

from services.routing.adapters.directory_file import load_directory, read_update
from services.routing.adapters.directory_seed import update_sql
from services.routing.domain import directory_edits as edits
from services.routing.domain.dispatch import DISTRICT_OWNED, FALLBACK_RULE, Rule, decide, uncovered
from shared.contracts.vocabulary import CATEGORIES

MIGRATIONS = Path(__file__).resolve().parents[4] / "services" / "routing" / "migrations"


@pytest.fixture(scope="module")
def directory():
    return load_directory()


def test_the_update_migration_is_generated_from_the_shipped_json():
    assert (MIGRATIONS / "004_city_taxonomy.sql").read_text(encoding="utf-8") == update_sql(read_update())


def test_every_category_of_the_vocabulary_reaches_a_unit(directory):
    assert uncovered(directory) == []
    for appeal_type, categories in CATEGORIES.items():
        for category in categories:
            decision = decide(directory, appeal_type.value, category, "heping", "")
            if (appeal_type.value, category) in DISTRICT_OWNED:
                continue
            assert decision.rule_id != FALLBACK_RULE, (appeal_type, category)
            assert decision.lead.code in directory.units and decision.lead.level == 2


@pytest.mark.parametrize(("appeal_type", "category", "lead"), [
    ("consumer_complaint", "heating", "HEATING-OFFICE"),
    ("consumer_complaint", "gas", "GAS-GROUP"),
    ("consumer_complaint", "property_management", "REAL-ESTATE"),
    ("consumer_complaint", "transport", "TRANSPORT"),
    ("consumer_complaint", "education_training", "EDUCATION"),
    ("consumer_complaint", "housing", "REAL-ESTATE"),
    ("public_service_request", "noise", "ECOLOGY"),
    ("public_service_request", "city_facilities", "URBAN-MGMT"),
    ("public_service_request", "illegal_construction", "URBAN-MGMT"),
    ("public_service_request", "environment", "ECOLOGY"),
    ("public_service_request", "wage_arrears", "HR-SOCIAL"),
    ("public_service_request", "social_insurance", "HR-SOCIAL"),
    ("public_service_request", "medical_insurance", "MEDICAL-INSURANCE"),
    ("public_service_request", "housing_fund", "HOUSING-FUND"),
    ("public_service_request", "school_enrolment", "EDUCATION"),
])
def test_the_city_categories_go_to_their_units(directory, appeal_type, category, lead):
    assert decide(directory, appeal_type, category, "tiexi", "").lead.code == lead


def test_removing_the_only_rule_of_a_category_is_refused_with_the_reason(directory):
    with pytest.raises(edits.InvalidEdit) as refused:
        edits.remove_rule(directory, "consumer-heating")
    assert refused.value.field == "rule" and "consumer_complaint/heating" in refused.value.reason


def test_narrowing_a_rule_so_a_category_loses_its_unit_is_refused(directory):
    positions = {r.id: i * 10 for i, r in enumerate(directory.rules, start=1)}
    narrowed = Rule("consumer-gas", "GAS-GROUP", "consumer_complaint", frozenset({"gas"}), keywords=("燃气",))
    with pytest.raises(edits.InvalidEdit, match="consumer_complaint/gas"):
        edits.put_rule(directory, narrowed, positions, None)


def test_a_second_rule_makes_the_first_removable(directory):
    positions = {r.id: i * 10 for i, r in enumerate(directory.rules, start=1)}
    other = Rule("heating-by-district", "REAL-ESTATE", "consumer_complaint", frozenset({"heating"}))
    changed, _ = edits.put_rule(directory, other, positions, None)
    without = edits.remove_rule(changed, "consumer-heating")
    assert decide(without, "consumer_complaint", "heating", "heping").lead.code == "REAL-ESTATE"


def test_a_rule_naming_a_unit_not_in_the_directory_is_refused(directory):
    positions = {r.id: i * 10 for i, r in enumerate(directory.rules, start=1)}
    with pytest.raises(edits.InvalidEdit, match="no unit HEATING-X"):
        edits.put_rule(directory, Rule("x-heating", "HEATING-X", "consumer_complaint", frozenset({"heating"})),
                       positions, None)
