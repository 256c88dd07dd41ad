"""How the public pages name our codes, in Chinese and English."""

from shared.contracts.vocabulary import (
    APPEAL_TYPE_NAMES,
    CATEGORY_NAMES,
    DISTRICT_NAMES_EN,
    DISTRICT_NAMES_ZH,
    AppealType,
    District,
)

TYPE_NAMES = APPEAL_TYPE_NAMES
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
