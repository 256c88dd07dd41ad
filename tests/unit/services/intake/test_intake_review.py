"""Operators' corrections: what a valid classification is (domain/review.py)."""

import pytest

from services.intake.domain.review import Classified, apply_correction, require_complete
from services.intake.domain.validators import InvalidField
from shared.contracts.vocabulary import AppealType, RequestSubtype

T, S = AppealType, RequestSubtype
HELD = Classified(None, None, None, "heping")
PRICES = Classified(T.CONSUMER_COMPLAINT, None, "prices", "heping")


def test_operator_classifies_a_held_appeal():
    done = apply_correction(HELD, appeal_type=T.PUBLIC_SERVICE_REQUEST, subtype=S.CONSULTATION,
                            category="policies")
    require_complete(done)
    assert done == Classified(T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", "heping")


def test_district_is_resolved_from_chinese_names_and_refused_outside_shenyang():
    assert apply_correction(PRICES, district="沈北新区").district == "shenbei"
    with pytest.raises(InvalidField) as bad:
        apply_correction(PRICES, district="大连市中山区")
    assert bad.value.field == "district"


def test_category_must_belong_to_the_type():
    with pytest.raises(InvalidField) as bad:
        apply_correction(PRICES, category="taxation")
    assert bad.value.field == "category"
    # the same code may serve two types: prices is also an economic-violation report
    assert apply_correction(PRICES, appeal_type=T.ECONOMIC_VIOLATION_REPORT).category == "prices"


def test_subtype_only_for_public_service_requests():
    with pytest.raises(InvalidField):
        apply_correction(PRICES, subtype=S.HELP)
    request = Classified(T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood", "tiexi")
    changed = apply_correction(request, appeal_type=T.CONSUMER_COMPLAINT, category="water_supply")
    assert changed.subtype is None  # dropped with the type that had it


def test_acceptance_needs_a_complete_classification():
    with pytest.raises(InvalidField) as bad:
        require_complete(HELD)
    assert bad.value.field == "appeal_type"
    with pytest.raises(InvalidField) as bad:
        require_complete(Classified(T.PUBLIC_SERVICE_REQUEST, None, "policies", "heping"))
    assert bad.value.field == "subtype"


def test_a_correction_that_changes_nothing_is_refused():
    with pytest.raises(InvalidField):
        apply_correction(PRICES, category="prices")
