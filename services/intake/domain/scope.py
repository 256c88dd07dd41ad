"""Scope of acceptance: non-urgent appeals inside Shenyang's 13 county-level divisions."""

import unicodedata
from dataclasses import dataclass

from shared.contracts.vocabulary import DISTRICT_NAMES_ZH, District

# Emergencies go to the emergency services, not to a hotline with a 2-day clock.
# Ordered: the first group whose words appear decides the number to call. The words describe
# something happening now ("着火了"), not a topic: a complaint about ambulance fees or about
# the clean-up after last week's fire is an appeal like any other.
EMERGENCY_WORDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("119", "fire", ("着火了", "正在着火", "起火了", "失火了", "火很大", "燃气泄漏", "煤气泄漏")),
    ("120", "medical emergency", ("昏迷", "晕倒了", "心脏病发作", "大出血", "没有呼吸", "快不行了")),
    ("122", "traffic accident", ("发生车祸", "出车祸", "撞车了", "追尾", "交通事故现场")),
    ("110", "crime in progress", ("正在抢劫", "持刀", "杀人", "绑架", "正在打架", "入室盗窃")),
)

_DISTRICT_ALIASES: dict[str, District] = {}
for _district, _name in DISTRICT_NAMES_ZH.items():
    _DISTRICT_ALIASES[_district.value] = _district
    _DISTRICT_ALIASES[_name] = _district
    _DISTRICT_ALIASES[_name.rstrip("区市县")] = _district  # 和平, 新民, 法库
_DISTRICT_ALIASES["沈北"] = District.SHENBEI


@dataclass(frozen=True)
class Refusal:
    reason_code: str
    reason: str
    refer_to: str | None = None


def normalise(text: str) -> str:
    """NFKC folds full-width digits and letters, so rules see one form of every character."""
    return unicodedata.normalize("NFKC", text).strip()


def resolve_district(text: str) -> District | None:
    key = normalise(text)
    return _DISTRICT_ALIASES.get(key.lower()) or _DISTRICT_ALIASES.get(key.removeprefix("沈阳市"))


def emergency_refusal(description: str) -> Refusal | None:
    text = normalise(description)
    for number, what, words in EMERGENCY_WORDS:
        if any(word in text for word in words):
            return Refusal(
                "emergency",
                f"Emergency ({what}) is not handled by 12345: call {number} now",
                refer_to=number,
            )
    return None


def check_scope(description: str, district: str) -> Refusal | None:
    """Why the platform cannot accept this appeal, or None when it can."""
    if (refusal := emergency_refusal(description)) is not None:
        return refusal
    if resolve_district(district) is None:
        return Refusal(
            "out_of_area",
            f"{district!r} is not one of Shenyang's 13 county-level divisions; "
            "please contact the hotline of the city concerned",
        )
    return None
