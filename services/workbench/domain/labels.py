"""Names people read, Chinese first: appeal types, districts, states, supervision modes."""

from shared.contracts.vocabulary import APPEAL_TYPE_NAMES, DISTRICT_NAMES_EN, DISTRICT_NAMES_ZH

TYPES = {kind.value: names for kind, names in APPEAL_TYPE_NAMES.items()}
SUBTYPES = {"consultation": ("咨询", "Consultation"), "help": ("求助", "Help"), "suggestion": ("建议", "Suggestion")}
STATES = {
    "dispatched": ("待签收", "To sign"), "signed": ("办理中", "In hand"), "replied": ("已答复", "Replied"),
    "returned": ("已退单", "Returned"), "awaiting_operator": ("待人工派单", "Awaiting dispatch"),
    "escalated": ("已升级", "Escalated"), "closed": ("已办结", "Closed"),
}
CHANNELS = {"phone": ("12345 电话", "12345 phone"), "phone_business_line": ("营商环境专线（按6）", "Business line (key 6)"),
            "web": ("网站", "Website"), "app": ("App", "App")}
OUTCOMES = {"solved": ("已解决", "Solved"), "explained": ("已解释说明", "Explained")}
URGENCY = {"overdue": ("已超期", "Overdue"), "due": ("即将到期", "Due now"), "soon": ("临近", "Soon"), "ok": ("正常", "On time"),
           "done": ("已答复", "Replied")}
NOTICE_KINDS = {"reminder": ("催办提醒", "Reminder"), "overdue": ("超期通知", "Overdue notice"),
                "supervision": ("督办", "Supervision"), "supervision_order": ("督办单", "Supervision order")}
# The seed's five ways of supervising (督办方式)
MODES = {
    "online_tracking": ("网上跟踪催办", "Online tracking and reminding"),
    "scheduling_meeting": ("调度会督办", "Scheduling meeting"),
    "joint_meeting": ("联席会议督办", "Joint meeting"),
    "leader_interview": ("约谈单位负责人", "Interview of the unit's leaders"),
    "municipal_report": ("报市领导督办", "Report to the municipal leaders"),
}
DISTRICT_EN = {district.value: name for district, name in DISTRICT_NAMES_EN.items()}


def name(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    if code is None:
        return ""
    pair = table.get(code)
    return code if pair is None else pair[1 if lang == "en" else 0]


def district(code: str | None, lang: str) -> str:
    if code is None:
        return ""
    for d, zh in DISTRICT_NAMES_ZH.items():
        if d.value == code:
            return DISTRICT_EN[code] if lang == "en" else zh
    return code

CATEGORIES = {
    "enterprise_obstacles": ("企业发展障碍", "Obstacles to enterprises"), "unfair_treatment": ("不公平对待", "Unfair treatment"),
    "permits": ("证照办理", "Permits"), "industry_commerce": ("工商", "Industry and commerce"),
    "food_medicine": ("食品药品", "Food and medicine"), "medical_health": ("医疗卫生", "Medical and health"),
    "culture": ("文化", "Culture"), "tourism": ("旅游", "Tourism"), "quality_supervision": ("质量监督", "Quality"),
    "prices": ("价格", "Prices"), "agriculture_forestry": ("农林", "Agriculture and forestry"),
    "telecommunications": ("通信", "Telecommunications"), "water_supply": ("供水", "Water supply"),
    "power_supply": ("供电", "Power supply"), "work_style": ("工作作风", "Work style"),
    "service_attitude": ("服务态度", "Service attitude"), "efficiency": ("办事效率", "Efficiency"),
    "taxation": ("税务", "Taxation"), "economic_crime": ("经济犯罪", "Economic crime"),
    "job_responsibilities": ("职责范围", "Responsibilities"), "procedures": ("办事流程", "Procedures"),
    "approvals": ("审批", "Approvals"), "policies": ("政策咨询", "Policies"), "livelihood": ("民生", "Livelihood"),
    "urban_management": ("城市管理", "Urban management"),
    # the city taxonomy's finer categories (intake's taxonomy names them the same way)
    "city_facilities": ("市政设施", "City facilities"), "education_training": ("教育培训", "Education and training"),
    "environment": ("环境污染", "Environment"), "gas": ("燃气", "Gas"), "heating": ("供暖", "Heating"),
    "housing": ("房地产", "Housing and real estate"), "housing_fund": ("住房公积金", "Housing provident fund"),
    "illegal_construction": ("违章建设", "Illegal construction"), "medical_insurance": ("医疗保险", "Medical insurance"),
    "noise": ("噪音扰民", "Noise"), "property_management": ("物业", "Property management"),
    "school_enrolment": ("入学学区", "School enrolment"), "social_insurance": ("社会保险", "Social insurance"),
    "transport": ("出租车公交", "Taxis and buses"), "wage_arrears": ("欠薪", "Wage arrears"),
}


def waiting_reason(text: str | None, lang: str) -> str:
    """Routing's waiting reason for people: its API words it for operators' tools in English
    ("returned by SAMR: <the unit's reason>", "escalated: <why>"); the page names the kind in
    the page's language and keeps the unit's or the centre's own words as they were written."""
    if not text:
        return ""
    kinds = (("returned by ", ("退单理由", "Reason for return")), ("escalated: ", ("升级原因", "Escalated because")))
    for prefix, names in kinds:
        if text.startswith(prefix) and ": " in text:
            return f"{names[1 if lang == 'en' else 0]}{'：' if lang != 'en' else ': '}{text.split(': ', 1)[1]}"
    return text
