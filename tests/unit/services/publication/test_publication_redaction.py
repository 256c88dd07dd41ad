"""Redaction corpus: every kind of personal information goes, look-alikes stay (domain/redaction.py)."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.publication.domain.identifiers import (
    is_credit_code,
    is_resident_id_15,
    is_resident_id_18,
    passes_luhn,
    resident_id_check,
)
from services.publication.domain.redaction import NameTags, find_personal_data, redact

KEY = b"test-pepper"
NAMES = NameTags.of(["王建国"], KEY)


def _redact(text: str) -> str:
    return redact(text, NAMES, KEY)


# --- the check characters, against published examples ------------------------------------

def test_resident_id_check_character_follows_iso_7064_mod_11_2():
    assert is_resident_id_18("11010519491231002X")  # the example in GB 11643-1999
    assert is_resident_id_18("11010519491231002x")
    assert not is_resident_id_18("110105194912310021")  # wrong check character
    assert not is_resident_id_18("110105194913310029")  # month 13
    assert resident_id_check("21010219850315123") == "5"


def test_fifteen_digit_resident_id_needs_a_real_birth_date():
    assert is_resident_id_15("210102850315123")
    assert not is_resident_id_15("210102851315123")
    assert not is_resident_id_15("010102850315123")


def test_credit_code_check_character():
    assert is_credit_code("91350100M000100Y43")  # widely published sample code
    assert is_credit_code("91210100MA0Y2KX7H4")
    assert not is_credit_code("91210100MA0Y2KX7H5")
    assert not is_credit_code("SY20261129E04GDZC3")  # a tracking number: S is not in the alphabet


def test_luhn():
    assert passes_luhn("6222021001123456789") and passes_luhn("6217001234567893")
    assert not passes_luhn("6217001234567894")


# --- the corpus: each line carries personal data that must go -------------------------------

CORPUS = [
    # (text, what must disappear, what must stay)
    ("市民王建国反映小区供暖不热，请尽快处理。", ["王建国"], ["小区供暖不热"]),
    ("王先生说物业一直不给答复。", ["王先生"], ["物业一直不给答复"]),
    ("我叫王建国，身份证号11010519491231002X，办理居住证被拒。", ["王建国", "11010519491231002X"], ["办理居住证被拒"]),
    ("身份证210102198503151235丢失补办太慢", ["210102198503151235"], ["丢失补办太慢"]),
    ("身份证号小写结尾11010519491231002x也算", ["11010519491231002x"], ["也算"]),
    ("老身份证210102850315123还能用吗", ["210102850315123"], ["还能用吗"]),
    ("身份证分段写110105 19491231 002X", ["19491231", "002X"], []),
    ("联系电话13812345678，白天打。", ["13812345678"], ["白天打"]),
    ("手机+86 138 1234 5678请回电", ["138 1234 5678", "+86"], ["请回电"]),
    ("电话+8613912345678", ["13912345678"], []),
    ("手机号139-1234-5678，晚上也行", ["139-1234-5678"], ["晚上也行"]),
    ("全角手机号１３９１２３４５６７８别打", ["１３９１２３４５６７８"], ["别打"]),
    ("号码中间有零宽字符139\u200b1234\u200b5678", ["5678", "1234"], []),
    ("座机024-23456789没人接", ["024-23456789"], ["没人接"]),
    ("固定电话（024）23456789，分机", ["23456789"], ["分机"]),
    ("办公电话02423456789", ["02423456789"], []),
    ("座机号码是23456789", ["23456789"], ["座机号码是"]),
    ("车牌辽A12345的车长期占用消防通道", ["辽A12345"], ["长期占用消防通道"]),
    ("新能源车辽AD12345乱停", ["辽AD12345"], ["乱停"]),
    ("车牌号辽A·12345", ["12345"], []),
    ("挂车辽A1234挂违规", ["辽A1234挂"], ["违规"]),
    ("退款请打到银行卡6222021001123456789", ["6222021001123456789"], []),
    ("卡号6217 0012 3456 7893被冻结", ["6217 0012 3456 7893", "7893"], ["被冻结"]),
    ("卡号6217001234567894（号码写错了也要遮）", ["6217001234567894"], ["号码写错了也要遮"]),
    ("邮箱wang.jg@example.com收不到回复", ["wang.jg@example.com"], ["收不到回复"]),
    ("发到wjg_1980@163.com就行", ["wjg_1980@163.com"], ["就行"]),
    ("企业信用代码91210100MA0Y2KX7H4被列入异常", ["91210100MA0Y2KX7H4"], ["被列入异常"]),
    ("统一社会信用代码：91350100M000100Y43", ["91350100M000100Y43"], ["统一社会信用代码"]),
    ("家住和平区南京北街123号4单元502室，楼上漏水", ["123号", "502室", "4单元"], ["和平区南京北街", "楼上漏水"]),
    ("幸福小区3号楼2单元301室门口堆满垃圾", ["3号楼", "301"], ["幸福小区", "门口堆满垃圾"]),
    ("沈河区青年大街100号的店铺", ["100号"], ["沈河区青年大街", "的店铺"]),
    ("皇姑区北陵花园5-2-601", ["5-2-601"], ["皇姑区北陵花园"]),
    ("万达广场A座1205室装修扰民", ["1205室", "A座"], ["万达广场", "装修扰民"]),
    ("铁西区兴华南街18号院内", ["18号院"], ["铁西区兴华南街"]),
]


@pytest.mark.parametrize(("text", "gone", "kept"), CORPUS, ids=[c[0][:12] for c in CORPUS])
def test_personal_data_is_replaced_and_the_rest_kept(text, gone, kept):
    public = _redact(text)
    for secret in gone:
        assert secret not in public, public
    for word in kept:
        assert word in public, public
    assert "[" in public


def test_a_realistic_appeal_loses_every_piece_of_personal_data():
    text = ("市民王建国（身份证号：11010519491231002X，电话：138 1234 5678）反映：和平区南京北街123号4单元502室"
            "楼上漏水，王先生已多次联系物业无果。物业经理的车辽A12345停在消防通道。退款账户6222021001123456789，"
            "邮箱wang.jg@example.com，座机024-23456789。订单号202611281234567890，金额12345.60元。")
    assert _redact(text) == (
        "市民[姓名]（身份证号：[身份证号]，电话：[手机号]）反映：和平区南京北街[门牌号]"
        "楼上漏水，[姓名]已多次联系物业无果。物业经理的车[车牌]停在消防通道。退款账户[银行卡号]，"
        "邮箱[邮箱]，座机[电话]。订单号202611281234567890，金额12345.60元。")


def test_findings_name_their_kind_and_point_into_the_original_text():
    text = "电话：１３９１２３４５６７８，车辽AD12345"
    found = find_personal_data(text)
    assert [(f.kind, text[f.start:f.end]) for f in found] == [
        ("mobile", "１３９１２３４５６７８"), ("plate", "辽AD12345")]


# --- look-alikes that must survive ---------------------------------------------------------

LOOK_ALIKES = [
    "请拨打12345热线反映",
    "订单号202611281234567890，至今未发货",
    "快递单号SF1234567890123一直没更新",
    "工单编号6217001234567893请核实",  # passes Luhn, but labelled as a work-order number
    "2026年11月28日发生，20261128当天报修",
    "金额人民币12345.67元，另付1,234,567元",
    "依据《消费者权益保护法》第五十五条和第24条",
    "沈政办发〔2021〕15号文件规定",
    "地铁2号线青年大街站",
    "乘坐258路公交车",
    "受理编号SY20261129E04GDZC3的进度",
    "第3号公告已经发布",
    "2026-11-28 13:45 到场",
    "面积120平方米，3楼",
    "辽宁省沈阳市和平区",
    "价格从15元涨到25元",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_survive(text):
    assert _redact(text) == text


def test_without_name_tags_names_are_not_guessed_but_patterns_still_apply():
    assert redact("王建国的电话13812345678") == "王建国的电话[手机号]"


def test_name_tags_do_not_contain_the_name_and_need_the_key():
    tags = NameTags.of(["王建国"], KEY)
    assert all("王" not in t for t in tags.tags)
    assert redact("王建国来电", tags, b"another-key") == "王建国来电"
    assert redact("王建国来电", tags, KEY) == "[姓名]来电"


def test_compound_surname_with_honorific():
    tags = NameTags.of(["欧阳明"], KEY)
    assert redact("欧阳女士和欧阳明都反映了", tags, KEY) == "[姓名]和[姓名]都反映了"


def test_single_character_names_are_not_redacted_everywhere():
    assert NameTags.of(["王"], KEY).tags == frozenset()


_PIECES = ["王", "小明", "王小明", "欧阳", "欧阳娜娜", "先生", "女士", "老师", "的", "投诉", "１", "ｗａｎｇ", " ", "，", "王先生"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12), st.lists(st.sampled_from(
    ["王小明", "欧阳娜娜", "ＷＡＮＧ Ｌｅｉ", "李", "王 小明"]), max_size=2))
def test_plain_names_find_exactly_what_the_keyed_tags_find(pieces, names):
    """The projection redacts an accepted appeal with the plain name; a later reply with the tags.
    Both must find the same spans in any (folded) text."""
    from services.publication.domain.redaction import PlainNames

    text = unicodedata.normalize("NFKC", "".join(pieces))
    key = b"k" * 32
    assert sorted(PlainNames.of(names).spans(text)) == sorted(NameTags.of(names, key).spans(text, key))
