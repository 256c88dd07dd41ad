"""The dashboard's words in Chinese (first) and English."""

GROUP_TITLES = {
    "municipal_department": ("市直部门", "Municipal departments"),
    "district_government": ("区县（市）政府", "District governments"),
    "enterprise": ("公共服务企业", "Public-service enterprises"),
    "stationed_unit": ("驻沈单位", "Stationed units"),
    "ungrouped": ("未分组", "Ungrouped"),
}

LABELS = {
    "zh": {
        "title": "12345 统一考核", "switch": "English", "period": "考核月份", "show": "查看",
        "weights": "权重版本", "as_of": "截至", "undecided": "尚未有结果的件（不计入比率）",
        "response_undecided": "签收未定", "on_time_undecided": "办结未定",
        "answered_at_intake": "中心直接办结", "answered_at_intake_why": "热线中心以知识库答复直接办结的诉求，不计入任何单位",
        "open": "本月未关账：数据随事件到达而变化", "closed": "已关账并发布", "publication": "发布编号",
        "rank": "名次", "unit": "单位", "score": "得分", "change": "名次变化", "new": "新",
        "received": "受理件", "response": "签收率", "on_time": "按时办结率", "resolution": "解决率",
        "satisfaction": "满意率", "returned": "退回", "pending": "办理中", "trend": "近{n}月得分",
        "rates_chart": "各项比率（%）", "trend_chart": "得分趋势", "none": "{period} 尚无转办件。",
        "noscript": "图表需要 JavaScript；上表已列出全部数字。",
        "formula": "得分 = 加权比率（满分100）×（1 − 扣分比例）；比率只计已有结果的件，与单位规模无关。",
        "rate_names": {"response": "签收率", "on_time": "按时办结率", "resolution": "解决率", "satisfaction": "满意率"},
        "unscored": "未评分（本月无主办件）",
    },
    "en": {
        "title": "12345 unified assessment", "switch": "中文", "period": "Month", "show": "Show",
        "weights": "Weights", "as_of": "As of", "undecided": "letters without an outcome yet (left out of the rates)",
        "response_undecided": "response", "on_time_undecided": "completion",
        "answered_at_intake": "Answered at intake by the centre",
        "answered_at_intake_why": "Appeals the 12345 centre closed with a knowledge-base answer; no unit's",
        "open": "open month: figures change as events arrive", "closed": "closed and published",
        "publication": "publication",
        "rank": "Rank", "unit": "Unit", "score": "Score", "change": "Change", "new": "new",
        "received": "Letters", "response": "Response", "on_time": "On time", "resolution": "Resolved",
        "satisfaction": "Satisfied", "returned": "Returned", "pending": "Running", "trend": "Score, last {n} months",
        "rates_chart": "Rates (%)", "trend_chart": "Score trend", "none": "No letters were sent in {period} yet.",
        "noscript": "The charts need JavaScript; the table above has every number.",
        "formula": "score = weighted rates (out of 100) × (1 − deduction share); rates count decided letters "
                   "only, so units of any size compare.",
        "rate_names": {"response": "Response", "on_time": "On time", "resolution": "Resolved",
                       "satisfaction": "Satisfied"},
        "unscored": "no score (held no letter this month)",
    },
}


def group_title(name: str, lang: str) -> str:
    zh, en = GROUP_TITLES.get(name, (name, name))
    return zh if lang == "zh" else en
