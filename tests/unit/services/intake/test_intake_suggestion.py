"""The call-taker's hint: what intake would decide about a text, before filing (domain/suggestion.py)."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.intake.adapters.corpus import training_corpus
from services.intake.domain.classification import Classifier, keyword_classifier, shipped_taxonomy
from services.intake.domain.knowledge import Entry, KnowledgeBase
from services.intake.domain.suggestion import suggest
from services.intake.domain.text_model import fit
from shared.contracts.vocabulary import AppealType, Channel

DAY = date(2026, 6, 1)
FUND = "public_service_request/consultation/housing_fund"


@pytest.fixture(scope="module")
def learned() -> Classifier:
    return Classifier(shipped_taxonomy(), fit(training_corpus(), trained_at=datetime(2026, 12, 7, tzinfo=UTC)))


def test_a_clear_text_gets_the_models_label_its_confidence_and_the_terms_that_weighed_most(learned):
    s = suggest(learned, None, "小区供暖温度不达标，暖气一直不热，室温只有十四度。", Channel.PHONE, DAY)
    assert s.outcome == "classified" and s.method == "model"
    assert s.label is not None and s.label.endswith("/heating")
    assert s.confidence is not None and s.confidence >= learned.model.threshold  # type: ignore[union-attr]
    assert s.model_version == learned.model.version  # type: ignore[union-attr]
    assert s.terms and all(term for term in s.terms) and len(set(s.terms)) == len(s.terms)
    assert s.name_zh and s.name_en  # the taxonomy's names of the label, to show


def test_without_a_model_the_keywords_found_are_the_terms():
    s = suggest(keyword_classifier(), None, "超市乱收费，价格标签和结账不一致", Channel.PHONE, DAY)
    assert s.outcome == "classified" and s.method == "keywords"
    assert s.terms and all(term in "超市乱收费，价格标签和结账不一致" for term in s.terms)


def test_an_unsure_model_says_it_would_be_held_and_still_shows_its_guess(learned):
    s = suggest(learned, None, "厂子刚恢复生产，就有三个部门轮流来检查，根本没法干活", Channel.PHONE, DAY)
    assert s.outcome == "review" and s.reason is not None and "unsure" in s.reason
    assert s.method == "model_guess" and s.label is not None and s.label in s.reason
    assert s.confidence is not None and s.confidence < learned.model.threshold  # type: ignore[union-attr]
    assert s.terms and len(set(s.terms)) == len(s.terms)  # each term once


def test_no_keyword_and_no_model_is_review_without_a_guess():
    s = suggest(keyword_classifier(), None, "今天天气很好", Channel.PHONE, DAY)
    assert (s.outcome, s.label, s.terms) == ("review", None, ())


def test_an_emergency_is_named_with_the_number_to_call_before_anything_else(learned):
    s = suggest(learned, None, "楼下着火了，火很大", Channel.PHONE, DAY)
    assert (s.outcome, s.refer_to) == ("emergency", "119")


def test_the_business_line_is_always_a_business_environment_complaint(learned):
    s = suggest(learned, None, "营业执照审批拖了三个月还没办下来", Channel.PHONE_BUSINESS_LINE, DAY)
    assert s.outcome == "classified" and s.label is not None
    assert s.label.startswith(AppealType.BUSINESS_ENVIRONMENT_COMPLAINT.value)


def test_a_consultation_close_to_an_entry_brings_its_answer_and_only_then():
    entry = Entry(uuid4(), 1, ("租房可以提取公积金吗",), "可以，每年一次，凭租房合同办理。", FUND, "HOUSING-FUND",
                  date(2026, 1, 1))
    kb = KnowledgeBase((entry,))
    stated = dict(stated_type=AppealType.PUBLIC_SERVICE_REQUEST, stated_category="housing_fund")
    from shared.contracts.vocabulary import RequestSubtype
    s = suggest(keyword_classifier(), kb, "请问租房能不能提取公积金", Channel.PHONE, DAY,
                stated_subtype=RequestSubtype.CONSULTATION, **stated)
    assert s.outcome == "classified" and s.method == "stated"
    assert s.knowledge_answer is not None and s.knowledge_answer.answer.startswith("可以")
    assert s.knowledge_answer.unit_code == "HOUSING-FUND" and s.knowledge_answer.score >= 0.45
    other = suggest(keyword_classifier(), kb, "公积金贷款最多能贷多少", Channel.PHONE, DAY,
                    stated_subtype=RequestSubtype.CONSULTATION, **stated)
    assert other.knowledge_answer is None
    expired = suggest(keyword_classifier(), kb, "请问租房能不能提取公积金", Channel.PHONE, date(2025, 1, 1),
                      stated_subtype=RequestSubtype.CONSULTATION, **stated)
    assert expired.knowledge_answer is None


def test_a_stated_label_that_cannot_be_is_a_value_error():
    with pytest.raises(ValueError):
        suggest(keyword_classifier(), None, "价格问题", Channel.PHONE, DAY,
                stated_type=AppealType.CONSUMER_COMPLAINT, stated_category="housing_fund")
