"""Propose an appeal's type and category from its text by transparent keyword rules.

Each rule is data: (type, subtype, category, keywords). The rule with the most matching
keywords wins; a tie between different outcomes, or no match, is not guessed: the appeal
goes to an operator's review queue.
"""

from dataclasses import dataclass

from shared.contracts.vocabulary import CATEGORIES, AppealType, Channel, RequestSubtype

T = AppealType
S = RequestSubtype


@dataclass(frozen=True)
class KeywordRule:
    appeal_type: AppealType
    subtype: RequestSubtype | None
    category: str
    keywords: tuple[str, ...]


RULES: tuple[KeywordRule, ...] = (
    KeywordRule(T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "permits", ("营业执照", "审批", "许可证", "办证")),
    KeywordRule(T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "enterprise_obstacles", ("企业", "刁难", "拖欠工程款", "营商环境")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "prices", ("价格", "乱收费", "涨价", "标价")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "food_medicine", ("食品", "过期", "变质", "药品", "餐馆")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "medical_health", ("医院", "医生", "看病", "诊所")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "water_supply", ("停水", "水压", "自来水", "水管")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "power_supply", ("停电", "电压", "电费", "供电")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "telecommunications", ("宽带", "手机信号", "话费", "运营商")),
    KeywordRule(T.CONSUMER_COMPLAINT, None, "tourism", ("旅行社", "导游", "景区")),
    KeywordRule(T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "service_attitude", ("态度", "推诿", "不耐烦")),
    KeywordRule(T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "efficiency", ("办事效率", "拖延", "久拖不办")),
    KeywordRule(T.ECONOMIC_VIOLATION_REPORT, None, "taxation", ("偷税", "漏税", "发票")),
    KeywordRule(T.ECONOMIC_VIOLATION_REPORT, None, "economic_crime", ("传销", "非法集资", "诈骗")),
    KeywordRule(T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", ("政策", "咨询", "怎么办理", "如何申请")),
    KeywordRule(T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood", ("求助", "帮忙", "困难")),
    KeywordRule(T.PUBLIC_SERVICE_REQUEST, S.SUGGESTION, "urban_management", ("建议", "希望增设", "意见")),
)


@dataclass(frozen=True)
class Decision:
    appeal_type: AppealType
    subtype: RequestSubtype | None
    category: str
    method: str
    matched: tuple[str, ...] = ()
    confidence: float = 1.0


class NeedsReview(Exception):
    """The rules cannot decide; an operator must classify the appeal."""


def classify(
    text: str,
    channel: Channel,
    stated_type: AppealType | None = None,
    stated_subtype: RequestSubtype | None = None,
    stated_category: str | None = None,
) -> Decision:
    """Decide type and category: the business line first, then what was stated, then keywords."""
    if channel is Channel.PHONE_BUSINESS_LINE:
        category = stated_category if stated_category in CATEGORIES[T.BUSINESS_ENVIRONMENT_COMPLAINT] else None
        best = _best_rule(text, T.BUSINESS_ENVIRONMENT_COMPLAINT)
        return Decision(
            T.BUSINESS_ENVIRONMENT_COMPLAINT, None,
            category or (best.category if best else "enterprise_obstacles"),
            "business_line", _hits(text, best) if best else (),
        )
    if stated_type and stated_category:
        if stated_category not in CATEGORIES[stated_type]:
            raise ValueError(f"category {stated_category!r} does not belong to type {stated_type.value}")
        if (stated_type is T.PUBLIC_SERVICE_REQUEST) != (stated_subtype is not None):
            raise ValueError("subtype is required for public-service requests and only for them")
        return Decision(stated_type, stated_subtype, stated_category, "stated")
    scored = sorted(((_hits(text, r), r) for r in RULES), key=lambda pair: -len(pair[0]))
    if not scored or not scored[0][0]:
        raise NeedsReview("no keyword rule matched")
    (top_hits, top), rest = scored[0], scored[1:]
    if rest and len(rest[0][0]) == len(top_hits) and rest[0][1].category != top.category:
        raise NeedsReview(f"rules tie: {top.category} and {rest[0][1].category}")
    confidence = min(1.0, 0.5 + 0.25 * len(top_hits))
    return Decision(top.appeal_type, top.subtype, top.category, "keywords", top_hits, confidence)


def _hits(text: str, rule: KeywordRule) -> tuple[str, ...]:
    return tuple(word for word in rule.keywords if word in text)


def _best_rule(text: str, appeal_type: AppealType) -> KeywordRule | None:
    ranked = [(len(_hits(text, r)), r) for r in RULES if r.appeal_type is appeal_type]
    ranked = [pair for pair in ranked if pair[0]]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None
