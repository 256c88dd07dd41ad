"""The knowledge base: entries checked, consultations matched only closely (domain/knowledge.py)."""

from datetime import date
from uuid import uuid4

import pytest

from services.intake.domain.classification import shipped_taxonomy
from services.intake.domain.knowledge import Entry, InvalidEntry, KnowledgeBase, check_entry, similarity

LABEL = "public_service_request/consultation/housing_fund"
FUND = Entry(uuid4(), 1, ("租房可以提取公积金吗", "租房能不能提取住房公积金"), "可以，每年一次。", LABEL, "HOUSING-FUND",
             date(2026, 1, 1), date(2026, 12, 31))
LABELS = shipped_taxonomy().labels


def test_a_rephrased_question_matches_and_another_question_does_not():
    kb = KnowledgeBase((FUND,))
    match = kb.match("请问租房能不能提取公积金", LABEL, date(2026, 6, 1))
    assert match is not None and match.entry is FUND and match.score >= 0.45
    assert kb.match("公积金贷款最多能贷多少", LABEL, date(2026, 6, 1)) is None


def test_only_entries_of_the_label_and_valid_on_the_day_are_offered():
    kb = KnowledgeBase((FUND,))
    assert kb.match("租房可以提取公积金吗", "public_service_request/consultation/policies", date(2026, 6, 1)) is None
    assert kb.match("租房可以提取公积金吗", LABEL, date(2027, 1, 1)) is None
    assert kb.match("租房可以提取公积金吗", LABEL, date(2025, 12, 31)) is None


def test_similarity_is_one_for_the_same_text_and_zero_for_nothing_shared():
    assert similarity("租房可以提取公积金吗", "租房可以提取公积金吗") == pytest.approx(1.0)
    assert similarity("租房可以提取公积金吗", "hello") == 0.0


@pytest.mark.parametrize(("change", "field"), [
    ({"questions": ()}, "questions"),
    ({"answer": " "}, "answer"),
    ({"label": "consumer_complaint/-/heating"}, "label"),
    ({"label": "public_service_request/consultation/nope"}, "label"),
    ({"unit_code": "housing fund"}, "unit_code"),
    ({"valid_to": date(2025, 1, 1)}, "valid_to"),
])
def test_a_bad_entry_is_refused_with_the_field(change, field):
    from dataclasses import replace
    with pytest.raises(InvalidEntry) as refused:
        check_entry(replace(FUND, **change), LABELS)
    assert refused.value.field == field


def test_a_label_the_taxonomy_in_force_lacks_is_refused():
    with pytest.raises(InvalidEntry, match="not a label of the taxonomy"):
        check_entry(FUND, frozenset({"public_service_request/consultation/policies"}))
