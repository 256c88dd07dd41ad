"""Type and category of an appeal (services/intake/domain/classification.py)."""

import pytest

from services.intake.domain.classification import RULES, NeedsReview, classify
from shared.contracts.vocabulary import CATEGORIES, AppealType, Channel, RequestSubtype

T = AppealType
S = RequestSubtype


# --- the business-environment line (12345, key 6) --------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("办理营业执照审批拖了三个月", "permits"),
        ("有关部门故意刁难我们企业", "enterprise_obstacles"),
        ("今天天气很好", "enterprise_obstacles"),  # nothing matched: the default category
        ("超市商品乱收费，价格太高", "enterprise_obstacles"),  # consumer words do not change the type
    ],
)
def test_business_line_always_yields_a_business_environment_complaint(text, category):
    decision = classify(text, Channel.PHONE_BUSINESS_LINE)
    assert decision.appeal_type is T.BUSINESS_ENVIRONMENT_COMPLAINT
    assert decision.subtype is None
    assert decision.category == category
    assert decision.method == "business_line"


def test_business_line_ignores_a_stated_type_of_another_kind():
    decision = classify(
        "超市商品标价不清", Channel.PHONE_BUSINESS_LINE,
        stated_type=T.CONSUMER_COMPLAINT, stated_category="prices",
    )
    assert decision.appeal_type is T.BUSINESS_ENVIRONMENT_COMPLAINT
    assert decision.category in CATEGORIES[T.BUSINESS_ENVIRONMENT_COMPLAINT]
    assert decision.method == "business_line"


def test_business_line_keeps_a_stated_business_category():
    decision = classify("营业执照的事", Channel.PHONE_BUSINESS_LINE, stated_category="unfair_treatment")
    assert decision.category == "unfair_treatment"
    assert decision.appeal_type is T.BUSINESS_ENVIRONMENT_COMPLAINT


def test_business_line_without_match_records_no_keywords():
    assert classify("今天天气很好", Channel.PHONE_BUSINESS_LINE).matched == ()


def test_business_line_records_only_the_keywords_found_in_the_text():
    decision = classify("营业执照一直办不下来", Channel.PHONE_BUSINESS_LINE)
    assert decision.category == "permits"
    assert decision.matched == ("营业执照",)


# --- stated by an operator ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appeal_type", "subtype", "category"),
    [
        (T.CONSUMER_COMPLAINT, None, "prices"),
        (T.ECONOMIC_VIOLATION_REPORT, None, "prices"),  # a code may serve two types
        (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "work_style"),
        (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies"),
        (T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood"),
    ],
)
def test_stated_type_and_category_are_accepted(appeal_type, subtype, category):
    # The text says something else entirely: the statement wins.
    decision = classify("小区停水了", Channel.WEB, appeal_type, subtype, category)
    assert (decision.appeal_type, decision.subtype, decision.category) == (appeal_type, subtype, category)
    assert decision.method == "stated"
    assert decision.matched == ()
    assert decision.confidence == 1.0


@pytest.mark.parametrize(
    ("appeal_type", "category"),
    [
        (T.CONSUMER_COMPLAINT, "taxation"),
        (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, "prices"),
        (T.BUSINESS_ENVIRONMENT_COMPLAINT, "no_such_category"),
    ],
)
def test_stated_category_must_belong_to_the_stated_type(appeal_type, category):
    with pytest.raises(ValueError, match=category):
        classify("任意内容", Channel.PHONE, appeal_type, None, category)


def test_public_service_request_needs_a_subtype():
    with pytest.raises(ValueError, match="subtype"):
        classify("咨询政策", Channel.APP, T.PUBLIC_SERVICE_REQUEST, None, "policies")


def test_subtype_only_for_public_service_requests():
    with pytest.raises(ValueError, match="subtype"):
        classify("价格太高", Channel.APP, T.CONSUMER_COMPLAINT, S.CONSULTATION, "prices")


# --- keyword rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "appeal_type", "subtype", "category", "matched"),
    [
        ("超市商品标价与结账价格不一致", T.CONSUMER_COMPLAINT, None, "prices", ("价格", "标价")),
        ("我家小区已经停水两天了，水压也很低", T.CONSUMER_COMPLAINT, None, "water_supply", ("停水", "水压")),
        ("昨晚整栋楼停电，电费却照常扣", T.CONSUMER_COMPLAINT, None, "power_supply", ("停电", "电费")),
        ("在餐馆吃饭发现食品过期变质", T.CONSUMER_COMPLAINT, None, "food_medicine", ("食品", "过期", "变质", "餐馆")),
        ("宽带经常断网，运营商不处理", T.CONSUMER_COMPLAINT, None, "telecommunications", ("宽带", "运营商")),
        ("某公司长期偷税漏税，不开发票", T.ECONOMIC_VIOLATION_REPORT, None, "taxation", ("偷税", "漏税", "发票")),
        ("有人组织传销和非法集资", T.ECONOMIC_VIOLATION_REPORT, None, "economic_crime", ("传销", "非法集资")),
        ("窗口工作人员态度恶劣，很不耐烦", T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "service_attitude", ("态度", "不耐烦")),
        ("想咨询一下公积金贷款政策，怎么办理", T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", ("政策", "咨询", "怎么办理")),
        ("家里生活困难，向政府求助", T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood", ("求助", "困难")),
        ("建议在小区门口希望增设公交站", T.PUBLIC_SERVICE_REQUEST, S.SUGGESTION, "urban_management", ("建议", "希望增设")),
    ],
)
def test_keyword_classification(text, appeal_type, subtype, category, matched):
    decision = classify(text, Channel.WEB)
    assert decision.appeal_type is appeal_type
    assert decision.subtype is subtype
    assert decision.category == category
    assert decision.method == "keywords"
    assert decision.matched == matched
    assert decision.category in CATEGORIES[decision.appeal_type]


def test_more_keywords_mean_more_confidence():
    one = classify("景区门票太贵了", Channel.APP)
    two = classify("停水了，水压也低", Channel.APP)
    assert (one.category, one.matched) == ("tourism", ("景区",))
    assert one.confidence == pytest.approx(0.75)
    assert two.confidence == pytest.approx(1.0)


def test_rule_with_more_hits_wins_over_rule_with_fewer():
    # "价格" hits prices once; "停水" and "自来水" hit water supply twice.
    decision = classify("自来水停水期间桶装水价格上涨", Channel.PHONE)
    assert decision.category == "water_supply"


@pytest.mark.parametrize("text", ["今天天气很好", "", "hello"])
def test_no_match_goes_to_review(text):
    with pytest.raises(NeedsReview):
        classify(text, Channel.WEB)


@pytest.mark.parametrize(
    "text",
    [
        "医院附近停水了",       # medical_health 1, water_supply 1
        "停电后冰箱里的药品坏了", # power_supply 1, food_medicine 1
    ],
)
def test_tie_between_categories_goes_to_review(text):
    with pytest.raises(NeedsReview, match="tie"):
        classify(text, Channel.WEB)


def test_stated_type_without_category_falls_back_to_keywords():
    decision = classify("小区停水了", Channel.WEB, stated_type=T.CONSUMER_COMPLAINT)
    assert decision.method == "keywords"
    assert decision.category == "water_supply"


def test_every_rule_names_a_category_of_its_type():
    for rule in RULES:
        assert rule.category in CATEGORIES[rule.appeal_type], rule
        assert (rule.appeal_type is T.PUBLIC_SERVICE_REQUEST) == (rule.subtype is not None), rule
