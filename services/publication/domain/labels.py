"""How the public pages name our codes, in Chinese and English."""

from shared.contracts.vocabulary import DISTRICT_NAMES_ZH, AppealType, District

TYPE_NAMES = {
    AppealType.BUSINESS_ENVIRONMENT_COMPLAINT: ("营商环境投诉", "Business-environment complaint"),
    AppealType.CONSUMER_COMPLAINT: ("消费投诉", "Consumer complaint"),
    AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT: ("机关效能投诉", "Administrative-efficiency complaint"),
    AppealType.ECONOMIC_VIOLATION_REPORT: ("经济违法举报", "Report of economic violation"),
    AppealType.PUBLIC_SERVICE_REQUEST: ("公共服务诉求", "Public-service request"),
}
CATEGORY_NAMES = {
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
DISTRICT_NAMES_EN = {d: d.value.capitalize() for d in District} | {District.SHENBEI: "Shenbei New District"}
STATUS_NAMES = {
    "accepted": ("已受理", "Accepted"), "dispatched": ("已转办", "Transferred to the unit"),
    "signed": ("办理中", "Being handled"), "replied": ("已办结", "Completed"),
    "returned": ("待重新派单", "Waiting for re-dispatch"), "evaluated": ("已评价", "Rated"), "closed": ("已关闭", "Closed"), "reopened": ("重新办理", "Reopened"),
}
STEP_NAMES = STATUS_NAMES | {"redispatched": ("重新转办", "Transferred again"),
                             "answered_at_intake": ("直接办结", "Answered at intake")}
SATISFACTION_NAMES = {"satisfied": ("满意", "Satisfied"), "basically_satisfied": ("基本满意", "Basically satisfied"),
                      "dissatisfied": ("不满意", "Dissatisfied")}


def _pick(names: tuple[str, str] | None, code: str, lang: str) -> str:
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]


def type_name(code: str, lang: str = "zh") -> str:
    return _pick(TYPE_NAMES.get(AppealType(code)) if code in AppealType.__members__.values() else None, code, lang)


def category_name(code: str, lang: str = "zh") -> str:
    return _pick(CATEGORY_NAMES.get(code), code, lang)


def district_name(code: str, lang: str = "zh") -> str:
    try:
        district = District(code)
    except ValueError:
        return code
    return DISTRICT_NAMES_EN[district] if lang == "en" else DISTRICT_NAMES_ZH[district]


def status_name(code: str, lang: str = "zh") -> str:
    return _pick(STEP_NAMES.get(code), code, lang)


def satisfaction_name(code: str | None, lang: str = "zh") -> str:
    return "" if code is None else _pick(SATISFACTION_NAMES.get(code), code, lang)
