"""Scope of acceptance: emergencies and out-of-area appeals are refused (services/intake/domain/scope.py)."""

import pytest

from services.intake.domain.scope import (
    check_scope,
    emergency_refusal,
    normalise,
    resolve_district,
)
from shared.contracts.vocabulary import DISTRICT_NAMES_ZH, District

NORMAL = "小区自来水停水三天了，物业一直没有答复"


@pytest.mark.parametrize(
    ("description", "number"),
    [
        ("楼道里着火了，浓烟很大", "119"),
        ("厨房燃气泄漏，味道很重", "119"),
        ("老人在公交站晕倒了", "120"),
        ("邻居心脏病发作，快来人", "120"),
        ("路口发生车祸，有人受伤", "122"),
        ("两辆车追尾堵住了路口", "122"),
        ("有人持刀在街上抢劫", "110"),
        ("家里发生入室盗窃，小偷还没走", "110"),
    ],
)
def test_emergencies_are_refused_with_the_number_to_call(description, number):
    refusal = check_scope(description, "heping")
    assert refusal is not None
    assert refusal.reason_code == "emergency"
    assert refusal.refer_to == number
    assert number in refusal.reason


def test_emergency_is_refused_even_when_the_district_is_out_of_area():
    # Someone whose house is on fire must be told to call 119, not to call another city.
    refusal = check_scope("家里着火了", "大连市中山区")
    assert refusal is not None and refusal.refer_to == "119"


def test_first_matching_emergency_group_decides():
    # Fire and crime words together: the fire group is listed first.
    assert emergency_refusal("抢劫犯逃跑时纵火，房子起火了").refer_to == "119"


@pytest.mark.parametrize(
    "description",
    [
        NORMAL,
        "超市商品标价与实际收费不一致",
        "办理营业执照审批拖了三个月",
        "想咨询一下公积金贷款政策",
    ],
)
def test_normal_appeals_in_shenyang_are_in_scope(description):
    assert emergency_refusal(description) is None
    assert check_scope(description, "和平区") is None


@pytest.mark.parametrize("district", list(District))
def test_every_district_is_accepted_by_code_full_name_and_short_name(district):
    full = DISTRICT_NAMES_ZH[district]
    short = full.rstrip("区市县")
    for text in (district.value, full, short, "沈阳市" + full):
        assert resolve_district(text) is district, text
        assert check_scope(NORMAL, text) is None, text


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("heping", District.HEPING),
        ("HePing", District.HEPING),
        ("和平区", District.HEPING),
        ("和平", District.HEPING),
        ("沈阳市和平区", District.HEPING),
        ("新民市", District.XINMIN),
        ("新民", District.XINMIN),
        ("法库县", District.FAKU),
        ("康平县", District.KANGPING),
        ("沈北新区", District.SHENBEI),
        ("沈北", District.SHENBEI),
        ("沈阳市沈北新区", District.SHENBEI),
        ("  浑南区 ", District.HUNNAN),
    ],
)
def test_district_aliases(text, district):
    assert resolve_district(text) is district


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("ＨＥＰＩＮＧ", District.HEPING),   # full-width Latin letters
        ("ｓｈｅｎｈｅ", District.SHENHE),
        ("\u3000和平区\u3000", District.HEPING),  # ideographic spaces
        ("ｔｉｅｘｉ ", District.TIEXI),
    ],
)
def test_full_width_input_is_normalised_before_matching(text, district):
    assert resolve_district(text) is district
    assert check_scope(NORMAL, text) is None


def test_normalise_folds_full_width_digits_and_strips():
    assert normalise("  １２３４５ ") == "12345"


@pytest.mark.parametrize(
    "district",
    ["大连市中山区", "北京", "", "   ", "天津市和平区", "沈阳市", "dalian", "朝阳区"],
)
def test_out_of_area_is_refused_with_a_reason(district):
    refusal = check_scope(NORMAL, district)
    assert refusal is not None
    assert refusal.reason_code == "out_of_area"
    assert refusal.refer_to is None
    assert "13" in refusal.reason
    assert resolve_district(district) is None


@pytest.mark.parametrize(
    "text",
    [
        "急救车收费太贵，一次出车要八百元",  # a price complaint about an ambulance
        "上周发生火灾后物业一直不处理烧毁的楼道",  # the aftermath of a fire
        "交警处理交通事故的态度很差",  # a complaint about how an accident was handled
    ],
)
def test_topics_near_emergencies_are_ordinary_appeals(text):
    assert emergency_refusal(text) is None
