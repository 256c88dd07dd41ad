"""受理: the pure decision on a submission (services/intake/domain/acceptance.py)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake.domain.acceptance import (
    Accept,
    Examined,
    Hold,
    InvalidSubmission,
    Merge,
    OfferAnswer,
    Reject,
    answer_for,
    decide,
    examine,
)
from services.intake.domain.classification import Decision, keyword_classifier
from services.intake.domain.duplicates import RULE, EarlierAppeal, SameProblemRule
from services.intake.domain.knowledge import Entry, KnowledgeBase
from services.intake.domain.validators import InvalidField
from shared.contracts.events import Petitioner, SubmitAppeal
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype
from shared.refusals import Refusal, Refused

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shenyang
PRICES = "太原街超市乱收费，标价和结账价格不一致。"
FUND_QUESTION = "请问租房能不能提取公积金"
FUND = Entry(uuid4(), 1, ("租房可以提取公积金吗", "租房能不能提取住房公积金"), "可以，每年一次。",
             "public_service_request/consultation/housing_fund", "HOUSING-FUND", date(2026, 1, 1), date(2026, 12, 31))
KNOWLEDGE = KnowledgeBase((FUND,))
CLASSIFIER = keyword_classifier()


def submission(description: str = PRICES, **changes) -> SubmitAppeal:
    petitioner = changes.pop("petitioner", Petitioner(name="李明", phone="13912345678"))
    return SubmitAppeal(channel=changes.pop("channel", Channel.WEB), channel_message_id=f"m-{uuid4()}",
                        description=description, district=changes.pop("district", "和平区"),
                        petitioner=petitioner, **changes)


def examined(description: str = PRICES, **changes) -> Examined:
    return examine(submission(description, **changes), CLASSIFIER)


def accepted_before(text: str = PRICES, *, days: int = 3, open_: bool = True) -> EarlierAppeal:
    earlier = decide(examined(text), NOW - timedelta(days=days), [])
    assert isinstance(earlier, Accept)
    return replace(earlier.as_earlier(uuid4(), "SY20261117AAAAAAAA"), open=open_)


# --- examine: the rules that need no other appeal ------------------------------------------


def test_examine_normalises_the_text_and_the_petitioner_and_resolves_the_district():
    seen = examined("　太原街超市乱收费，标价和结账价格不一致。", district="和平",
                    petitioner=Petitioner(name=" 李明 ", phone="139 1234 5678"))
    assert seen.description == "太原街超市乱收费,标价和结账价格不一致。"  # NFKC folds the full-width space and comma
    assert seen.petitioner.phone == "13912345678" and seen.petitioner.name == "李明"
    assert seen.district == "heping" and seen.refusal is None and seen.held is None
    assert seen.classified is not None and seen.classified.category == "prices"


def test_examine_refuses_an_emergency_and_another_city_without_classifying():
    fire = examined("楼道里着火了，火很大")
    assert fire.refusal is not None and fire.refusal.refer_to == "119"
    assert fire.classified is None and fire.district is None
    elsewhere = examined(district="大连市")
    assert elsewhere.refusal is not None and elsewhere.refusal.refer_to is None


def test_examine_holds_what_the_rules_cannot_classify_with_the_reason():
    seen = examined("今天天气很好")
    assert seen.classified is None and seen.held == "no keyword rule matched" and seen.district == "heping"


@pytest.mark.parametrize(("petitioner", "field"), [
    (Petitioner(name="李明", phone="12812345678"), "petitioner.phone"),
    (Petitioner(name="李明2", phone="13912345678"), "petitioner.name"),
    (Petitioner(name="李明", phone="13912345678", id_number="110101199003071234"), "petitioner.id_number"),
])
def test_bad_petitioner_data_is_an_invalid_refusal_naming_the_field(petitioner, field):
    with pytest.raises(InvalidField) as bad:
        examined(petitioner=petitioner)
    assert isinstance(bad.value, Refused) and bad.value.kind is Refusal.INVALID and bad.value.field == field
    assert "12812345678" not in bad.value.describe()  # the value itself is never repeated


@pytest.mark.parametrize(("stated", "field"), [
    (dict(appeal_type=AppealType.CONSUMER_COMPLAINT, category="taxation"), "category"),
    (dict(appeal_type=AppealType.PUBLIC_SERVICE_REQUEST, category="housing_fund"), "subtype"),
])
def test_a_stated_classification_outside_the_vocabulary_is_invalid(stated, field):
    with pytest.raises(InvalidSubmission) as bad:
        examined(channel=Channel.PHONE, **stated)
    assert bad.value.kind is Refusal.INVALID and bad.value.field == field


def test_the_business_line_is_a_business_environment_complaint_whatever_was_said():
    seen = examined("办理营业执照审批拖了三个月", channel=Channel.PHONE_BUSINESS_LINE)
    verdict = decide(seen, NOW, [])
    assert isinstance(verdict, Accept) and verdict.appeal.business_line
    assert verdict.appeal.decision.appeal_type is AppealType.BUSINESS_ENVIRONMENT_COMPLAINT


# --- decide: in order, reject, hold, merge, offer, accept -------------------------------------


def test_out_of_scope_is_rejected_with_the_number_to_call_even_with_an_open_repeat():
    verdict = decide(examined("有人正在抢劫，快来"), NOW, [accepted_before()], KNOWLEDGE)
    assert isinstance(verdict, Reject) and verdict.refusal.refer_to == "110"
    assert verdict.refusal.reason_code == "emergency"


def test_what_cannot_be_classified_is_held_and_never_merged():
    same_text = accepted_before()
    same_text = replace(same_text, facts=replace(same_text.facts, description="今天天气很好"))
    verdict = decide(examined("今天天气很好"), NOW, [same_text])
    assert verdict == Hold("no keyword rule matched", "heping")


def test_a_repeat_of_an_open_appeal_is_merged_into_it_with_the_reason():
    earlier = accepted_before()
    verdict = decide(examined("太原街那家超市又乱收费了，标价和结账的价格不一样"), NOW, [earlier])
    assert isinstance(verdict, Merge) and verdict.into is earlier
    assert verdict.similarity >= RULE.min_similarity and earlier.tracking_number in verdict.reason
    assert verdict.appeal.district == "heping" and verdict.appeal.decision.category == "prices"


@pytest.mark.parametrize("earlier", [
    pytest.param(lambda: accepted_before(open_=False), id="the earlier appeal was replied to"),
    pytest.param(lambda: accepted_before(days=RULE.window_days + 1), id="outside the window"),
    pytest.param(lambda: accepted_before("小区供暖温度太低，暖气不热，家里只有十五度"), id="another problem"),
])
def test_no_merge_when_the_earlier_appeal_is_closed_old_or_another_problem(earlier):
    assert isinstance(decide(examined(), NOW, [earlier()]), Accept)


def test_the_rule_passed_in_decides_the_window_and_the_threshold():
    earlier = accepted_before(days=10)
    assert isinstance(decide(examined(), NOW, [earlier], rule=SameProblemRule(window_days=5)), Accept)
    assert isinstance(decide(examined(), NOW, [earlier], rule=SameProblemRule(min_similarity=1.01)), Accept)
    assert isinstance(decide(examined(), NOW, [earlier]), Merge)


def test_a_private_appeal_is_never_folded_into_a_public_one():
    assert isinstance(decide(examined(private=True), NOW, [accepted_before()]), Accept)


def test_a_consultation_the_knowledge_base_answers_is_offered_the_answer():
    verdict = decide(examined(FUND_QUESTION), NOW, [], KNOWLEDGE)
    assert isinstance(verdict, OfferAnswer) and verdict.match.entry is FUND
    assert verdict.appeal.decision.subtype is RequestSubtype.CONSULTATION


def test_without_a_knowledge_base_the_entrance_cannot_show_an_answer_and_it_is_accepted():
    assert isinstance(decide(examined(FUND_QUESTION), NOW, []), Accept)  # a Kafka record: no reply path


def test_an_open_repeat_is_merged_before_any_answer_is_offered():
    earlier = decide(examined(FUND_QUESTION), NOW - timedelta(days=1), [])
    assert isinstance(earlier, Accept)
    verdict = decide(examined(FUND_QUESTION), NOW, [earlier.as_earlier(uuid4(), "SY20261119BBBBBBBB")], KNOWLEDGE)
    assert isinstance(verdict, Merge)


def test_an_entry_out_of_date_on_the_day_in_shenyang_is_not_offered():
    # 2027-01-01 00:30 in Shenyang is still 2026-12-31 in UTC: the entry ended the day before
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert isinstance(decide(examined(FUND_QUESTION), new_year, [], KNOWLEDGE), Accept)
    assert isinstance(decide(examined(FUND_QUESTION), new_year - timedelta(hours=1), [], KNOWLEDGE), OfferAnswer)


def test_only_consultations_are_answered():
    help_request = Decision(AppealType.PUBLIC_SERVICE_REQUEST, RequestSubtype.HELP, "housing_fund", "stated")
    assert answer_for(KNOWLEDGE, help_request, FUND_QUESTION, date(2026, 6, 1)) is None
    consultation = replace(help_request, subtype=RequestSubtype.CONSULTATION)
    assert answer_for(KNOWLEDGE, consultation, FUND_QUESTION, date(2026, 6, 1)) is not None


def test_an_accepted_appeal_remembers_its_facts_for_repeats_later_in_the_run():
    verdict = decide(examined(), NOW, [])
    assert isinstance(verdict, Accept)
    appeal_id = uuid4()
    remembered = verdict.as_earlier(appeal_id, "SY20261120CCCCCCCC")
    assert remembered.open and remembered.appeal_id == appeal_id
    assert remembered.facts.received_at == NOW and remembered.facts.petitioner_phone == "13912345678"
    assert isinstance(decide(examined("太原街超市又乱收费了，标价和结账价格不一致"), NOW, [remembered]), Merge)


def test_the_decision_is_the_same_every_time_for_the_same_input():
    seen, earlier = examined(), [accepted_before()]
    assert decide(seen, NOW, earlier, KNOWLEDGE) == decide(seen, NOW, earlier, KNOWLEDGE)
