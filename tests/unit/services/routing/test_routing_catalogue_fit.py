"""Which catalogue rule fits a returned appeal, and why (services/routing/domain/catalogue_fit.py)."""

import pytest

from services.routing.adapters.directory_file import load_directory
from services.routing.domain.catalogue_fit import explain
from services.routing.domain.dispatch import FALLBACK_RULE, Directory, Rule, Unit, build_directory, decide

PS = "public_service_request"
HEATING_TEXT = "小区暖气不热，供暖温度不达标，物业不管。"


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def test_the_first_fit_is_what_the_catalogue_decides(directory):
    advice = explain(directory, PS, "livelihood", "heping", HEATING_TEXT)
    assert advice.fits[0].rule_id == decide(directory, PS, "livelihood", "heping", HEATING_TEXT).rule_id
    assert advice.advised == advice.fits[0]


def test_each_fit_names_the_conditions_it_met_and_the_keywords_found(directory):
    advice = explain(directory, PS, "livelihood", "heping", HEATING_TEXT)
    heating = next(f for f in advice.fits if f.rule_id == "request-heating")
    assert heating.lead.code == "REAL-ESTATE"
    assert (heating.appeal_type, heating.category, heating.district) == (PS, "livelihood", None)
    assert set(heating.keywords) == {"暖气", "供暖"}  # 采暖 is a keyword of the rule but not in the text
    assert all(word in HEATING_TEXT for f in advice.fits for word in f.keywords)


def test_a_unit_that_returned_it_is_marked_and_the_next_fit_is_advised(directory):
    first = explain(directory, PS, "livelihood", "heping", HEATING_TEXT)
    returned = explain(directory, PS, "livelihood", "heping", HEATING_TEXT, returned_by=(first.fits[0].lead.code,))
    assert returned.fits[0].returned
    assert returned.advised is not None and not returned.advised.returned
    assert returned.advised.lead.code != first.fits[0].lead.code


def test_the_district_government_comes_last_and_is_advised_when_every_rule_unit_returned_it(directory):
    advice = explain(directory, PS, "livelihood", "heping", HEATING_TEXT)
    assert advice.fits[-1].fallback and advice.fits[-1].rule_id == FALLBACK_RULE
    assert advice.fits[-1].lead.group == "district_government" and advice.fits[-1].district == "heping"
    all_rule_units = tuple(f.lead.code for f in advice.fits if not f.fallback)
    after = explain(directory, PS, "livelihood", "heping", HEATING_TEXT, returned_by=all_rule_units)
    assert after.advised is not None and after.advised.fallback


def test_nobody_left_means_no_advice():
    units = {"A": Unit("A", "甲", "A", 2, "municipal_department"),
             "GOV": Unit("GOV", "和平区政府", "Heping", 2, "district_government", district="heping")}
    directory = build_directory(units, (Rule("r", "A", appeal_type=PS),))
    advice = explain(directory, PS, "livelihood", "heping", "", returned_by=("A", "GOV"))
    assert [f.rule_id for f in advice.fits] == ["r", FALLBACK_RULE]
    assert all(f.returned for f in advice.fits) and advice.advised is None


def test_more_conditions_rank_first_and_equals_keep_the_catalogue_order():
    units = {c: Unit(c, c, c, 2, "municipal_department") for c in ("A", "B", "C")}
    rules = (Rule("broad", "A", appeal_type=PS), Rule("narrow", "B", appeal_type=PS, district="heping"),
             Rule("broad-2", "C", appeal_type=PS))
    advice = explain(build_directory(units, rules), PS, "livelihood", "heping")
    assert [f.rule_id for f in advice.fits] == ["narrow", "broad", "broad-2"]  # no government: no fallback
    assert advice.fits[0].district == "heping" and advice.fits[1].district is None
