"""The platform's shared words: channels, the five appeal types, categories and districts.

These codes travel in events, so they are part of the contract: add, never rename.
"""

from enum import StrEnum


class Channel(StrEnum):
    PHONE = "phone"
    PHONE_BUSINESS_LINE = "phone_business_line"  # 12345, key 6
    WEB = "web"
    APP = "app"


class AppealType(StrEnum):
    BUSINESS_ENVIRONMENT_COMPLAINT = "business_environment_complaint"
    CONSUMER_COMPLAINT = "consumer_complaint"
    ADMINISTRATIVE_EFFICIENCY_COMPLAINT = "administrative_efficiency_complaint"
    ECONOMIC_VIOLATION_REPORT = "economic_violation_report"
    PUBLIC_SERVICE_REQUEST = "public_service_request"


class RequestSubtype(StrEnum):
    """Only public-service requests have a subtype; it decides their deadline class."""

    CONSULTATION = "consultation"
    HELP = "help"
    SUGGESTION = "suggestion"


class District(StrEnum):
    """Shenyang's 13 county-level divisions: the scope of acceptance."""

    HEPING = "heping"
    SHENHE = "shenhe"
    DADONG = "dadong"
    HUANGGU = "huanggu"
    TIEXI = "tiexi"
    SUJIATUN = "sujiatun"
    HUNNAN = "hunnan"
    SHENBEI = "shenbei"
    YUHONG = "yuhong"
    LIAOZHONG = "liaozhong"
    XINMIN = "xinmin"
    FAKU = "faku"
    KANGPING = "kangping"


DISTRICT_NAMES_ZH: dict[District, str] = {
    District.HEPING: "和平区",
    District.SHENHE: "沈河区",
    District.DADONG: "大东区",
    District.HUANGGU: "皇姑区",
    District.TIEXI: "铁西区",
    District.SUJIATUN: "苏家屯区",
    District.HUNNAN: "浑南区",
    District.SHENBEI: "沈北新区",
    District.YUHONG: "于洪区",
    District.LIAOZHONG: "辽中区",
    District.XINMIN: "新民市",
    District.FAKU: "法库县",
    District.KANGPING: "康平县",
}

# Category codes per type (domain.md, "The five appeal types"). A code may serve two
# types (prices is both a consumer complaint and an economic-violation report); the
# pair (type, category) is the routing key.
CATEGORIES: dict[AppealType, tuple[str, ...]] = {
    AppealType.BUSINESS_ENVIRONMENT_COMPLAINT: (
        "enterprise_obstacles",
        "unfair_treatment",
        "permits",
    ),
    AppealType.CONSUMER_COMPLAINT: (
        "industry_commerce",
        "food_medicine",
        "medical_health",
        "culture",
        "tourism",
        "quality_supervision",
        "prices",
        "agriculture_forestry",
        "telecommunications",
        "water_supply",
        "power_supply",
        # What a northern city's 12345 receives besides the seed's list (issue 21):
        "heating",  # 供暖: radiators cold, heating fees
        "gas",  # 燃气: supply, meters, fees (a leak is an emergency, refused at scope)
        "property_management",  # 物业
        "transport",  # taxis, buses, ride-hailing
        "education_training",  # training schools: refunds, closures
        "housing",  # new homes: delivery, quality, property certificates
    ),
    AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT: (
        "work_style",
        "service_attitude",
        "efficiency",
    ),
    AppealType.ECONOMIC_VIOLATION_REPORT: (
        "industry_commerce",
        "quality_supervision",
        "taxation",
        "prices",
        "culture",
        "agriculture_forestry",
        "economic_crime",
    ),
    AppealType.PUBLIC_SERVICE_REQUEST: (
        "job_responsibilities",
        "procedures",
        "approvals",
        "policies",
        "livelihood",
        "urban_management",
        "noise",
        "city_facilities",  # street lights, roads, manholes, rubbish collection
        "illegal_construction",  # illegal buildings, street occupation
        "environment",  # cooking fumes, smells, sewage, dust
        "wage_arrears",  # 欠薪
        "social_insurance",  # pensions, unemployment and work-injury insurance
        "medical_insurance",  # 医保
        "housing_fund",  # 住房公积金
        "school_enrolment",  # school districts, admissions
    ),
}


def is_known_category(appeal_type: AppealType, category: str) -> bool:
    return category in CATEGORIES[appeal_type]
