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


# The names people read for each type, Chinese first: (zh, en). One table for the public pages,
# the staff workbench and whatever else shows a type.
APPEAL_TYPE_NAMES: dict[AppealType, tuple[str, str]] = {
    AppealType.BUSINESS_ENVIRONMENT_COMPLAINT: ("营商环境投诉", "Business-environment complaint"),
    AppealType.CONSUMER_COMPLAINT: ("消费投诉", "Consumer complaint"),
    AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT: ("机关效能投诉", "Administrative-efficiency complaint"),
    AppealType.ECONOMIC_VIOLATION_REPORT: ("经济违法举报", "Economic-violation report"),
    AppealType.PUBLIC_SERVICE_REQUEST: ("公共服务诉求", "Public-service request"),
}


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
DISTRICT_NAMES_EN: dict[District, str] = {d: d.value.capitalize() for d in District} | {
    District.SHENBEI: "Shenbei New District"}

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


# The names people read for each category code, Chinese first: (zh, en).
CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "enterprise_obstacles": ("企业办事障碍", "Obstacles to enterprises"),
    "unfair_treatment": ("不公平对待", "Unfair treatment"),
    "permits": ("审批许可", "Permits"),
    "industry_commerce": ("工商", "Industry and commerce"),
    "food_medicine": ("食品药品", "Food and medicine"),
    "medical_health": ("医疗卫生", "Medical and health care"),
    "culture": ("文化", "Culture"),
    "tourism": ("旅游", "Tourism"),
    "quality_supervision": ("质量监督", "Quality supervision"),
    "prices": ("价格", "Prices"),
    "agriculture_forestry": ("农林", "Agriculture and forestry"),
    "telecommunications": ("通信", "Telecommunications"),
    "water_supply": ("城市供水", "Water supply"),
    "power_supply": ("城市供电", "Power supply"),
    "work_style": ("工作作风", "Work style"),
    "service_attitude": ("服务态度", "Service attitude"),
    "efficiency": ("办事效率", "Efficiency"),
    "taxation": ("税务", "Taxation"),
    "economic_crime": ("经济犯罪", "Economic crime"),
    "job_responsibilities": ("职能职责", "Job responsibilities"),
    "procedures": ("办事程序", "Procedures"),
    "approvals": ("审批", "Approvals"),
    "policies": ("政策", "Policies"),
    "livelihood": ("民生求助", "Livelihood help"),
    "urban_management": ("城市管理", "Urban management"),
    # The city taxonomy (issue 21)
    "heating": ("供暖", "Heating"),
    "gas": ("燃气", "Gas"),
    "property_management": ("物业管理", "Property management"),
    "transport": ("出租车公交", "Taxis and buses"),
    "education_training": ("教育培训", "Education and training"),
    "housing": ("房地产", "Housing and real estate"),
    "noise": ("噪音扰民", "Noise"),
    "city_facilities": ("市政设施", "City facilities"),
    "illegal_construction": ("违章建设", "Illegal construction"),
    "environment": ("环境污染", "Environment"),
    "wage_arrears": ("拖欠工资", "Wage arrears"),
    "social_insurance": ("社会保险", "Social insurance"),
    "medical_insurance": ("医疗保险", "Medical insurance"),
    "housing_fund": ("住房公积金", "Housing provident fund"),
    "school_enrolment": ("入学学区", "School enrolment"),
}


def is_known_category(appeal_type: AppealType, category: str) -> bool:
    return category in CATEGORIES[appeal_type]
