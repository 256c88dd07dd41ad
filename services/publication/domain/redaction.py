"""Redaction: take personal information out of appeal and reply texts before they are stored.

Rules (services/publication/README.md lists them with examples):
- Matching runs on an NFKC view of the text (full-width digits fold to ASCII) with format
  characters (zero-width spaces) dropped, but replacement happens in the original text, so
  Chinese punctuation survives.
- Chinese has no spaces, so no pattern uses \\b; each says instead that no ASCII letter or
  digit may touch it on either side.
- A check character decides between an identifier and a look-alike: an 18-character string
  is a resident ID only if its MOD 11-2 check holds, a credit code only if its MOD 31 check
  holds, a 16-19 digit run a bank card only if Luhn holds (or a card word precedes it).
  Numbers labelled as order/serial numbers (订单号, 编号...) are kept unless they are an ID.
- House-number-level addresses lose everything from the door number on: the district,
  street or compound name before it stays.
- The petitioner's name is matched through keyed hashes (NameTags), so the service can
  redact it in a later reply without ever storing the name.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.publication.domain.identifiers import (
    is_credit_code,
    is_resident_id_15,
    is_resident_id_18,
    passes_luhn,
)
from shared.name_tags import fold as _fold
from shared.name_tags import name_parts as _name_parts
from shared.name_tags import name_tags
from shared.name_tags import tag as _tag

PLACEHOLDERS = {
    "name": "[姓名]", "resident_id": "[身份证号]", "mobile": "[手机号]", "landline": "[电话]",
    "plate": "[车牌]", "bank_card": "[银行卡号]", "email": "[邮箱]", "credit_code": "[信用代码]",
    "address": "[门牌号]",
}

_EDGE_L = r"(?<![0-9A-Za-z])"
_EDGE_R = r"(?![0-9A-Za-z])"
_SEP = r"[ \-]?"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_ID18 = re.compile(_EDGE_L + r"[1-9]\d{5}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx]" + _EDGE_R)
_ID15 = re.compile(_EDGE_L + r"[1-9]\d{14}" + _EDGE_R)
_CREDIT = re.compile(_EDGE_L + r"[0-9A-Za-z]{18}" + _EDGE_R)
_CARD = re.compile(_EDGE_L + r"\d{4}(?:" + _SEP + r"\d{4}){2}" + _SEP + r"\d{4,7}" + _EDGE_R)
_MOBILE = re.compile(r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86" + _SEP + r")?1[3-9]\d(?:" + _SEP + r"\d){8}" + _EDGE_R)
_LANDLINE = re.compile(_EDGE_L + r"(?:\(0\d{2,3}\)|0\d{2,3})" + _SEP + r"[2-9]\d{2,3}" + _SEP + r"\d{4}"
                       + r"(?:-\d{1,5})?" + _EDGE_R)
# A local number without area code is only a phone number when the text says so.
_LOCAL_NUMBER = re.compile(r"(?:电话|座机|固话|号码|打)[是为:\s]*([2-9]\d{6,7})" + _EDGE_R)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    "[" + _PROVINCES + r"][A-HJ-NP-Za-hj-np-z][·•. ]?(?:[A-HJ-NP-Za-hj-np-z0-9]{5,6}|"
    r"[A-HJ-NP-Za-hj-np-z0-9]{4}[挂学警港澳])" + _EDGE_R
)
# Door-level address: numbered parts after a street or compound name. The single-character
# look-behind (a Python requirement) is the last character of 街/路/道/巷/胡同/小区/花园/大厦...
_UNIT = r"(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|户)"
_PART = r"(?:[A-Za-z]?\d+(?:-\d+)*|[A-Za-z])"
_ADDRESS = re.compile(
    r"(?<=[街路道巷里弄同区园苑庭府城村厦寓场院])\s?(?:"
    + r"\d+-\d+-\d+" + "|"
    + _PART + _UNIT + r"(?![线文令条款期届])(?:\s?(?:" + _PART + r"|[一二三四五六七八九十]+)" + _UNIT + r"?)*"
    + r")"
)
# Labels after which a long number is a transaction's number, not a person's.
_ORDER_LABEL = re.compile(r"(?:订单|单号|编号|流水|工单|发票|合同|批次|条码|货号|快递)[号码]*[是为:\s#]*$")
_CARD_LABEL = re.compile(r"(?:卡号|银行卡|信用卡|借记卡|储蓄卡|账号|帐号|卡)[是为:\s]*$")
# Characters no name contains (names may hold letters, "·", "-" and "'": 阿卜杜·热合曼, Jean-Pierre).
_NO_NAME_ACROSS = frozenset(" \t\r\n\u3000，。！？；：、,.!?;:（）()【】[]{}“”\"《》<>/|～~@#%&*+=_")
_HONORIFICS = ("先生", "女士", "小姐", "老师", "师傅", "同志", "大爷", "大妈", "阿姨", "老人")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int  # in the original text
    end: int


@dataclass(frozen=True)
class NameTags:
    """Keyed hashes (HMAC-SHA256 with the service's secret) of a petitioner's name and surname.

    Stored instead of the name; a text is searched by hashing its substrings of the same
    lengths. Without the secret the tags cannot be tested against guessed names.
    """

    tags: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str], key: bytes) -> "NameTags":
        return cls(name_tags(names, key))

    def spans(self, text: str, key: bytes) -> list[tuple[int, int]]:
        """Where the name occurs in `text` (already folded), and surname + honorific (王先生)."""
        found: list[tuple[int, int]] = []
        by_kind: dict[str, set[int]] = {"n": set(), "s": set()}
        for tag in self.tags:
            by_kind[tag[0]].add(int(tag[1:tag.index(":")]))
        # A name never spans a space, a digit or sentence punctuation: only the stretches between
        # them are hashed (a keyed hash per position is the cost of this scan).
        clear_until = [len(text)] * (len(text) + 1)
        for i in range(len(text) - 1, -1, -1):
            clear_until[i] = i if text[i] in _NO_NAME_ACROSS or text[i].isdigit() else clear_until[i + 1]
        for i in range(len(text)):
            if not text[i].isalpha():
                continue
            for length in by_kind["n"]:
                if i + length <= clear_until[i] and f"n{length}:{_tag(key, 'name', text[i:i + length])}" in self.tags:
                    found.append((i, i + length))
            for length in by_kind["s"]:
                rest = text[i + length:i + length + 2]
                if rest in _HONORIFICS and f"s{length}:{_tag(key, 'surname', text[i:i + length])}" in self.tags:
                    found.append((i, i + length + 2))
        return found


@dataclass(frozen=True)
class PlainNames:
    """The petitioner's names while the AppealAccepted that carries them is in hand.

    Finds exactly what NameTags finds (the same folding, lengths and honorifics), by comparing
    text instead of hashing every substring of it: a hash per position and length made
    redaction the projection's largest cost. Never stored: the tags are what a later reply uses.
    """

    parts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, names: Iterable[str]) -> "PlainNames":
        return cls(tuple(_name_parts(names)))

    def spans(self, text: str, key: bytes = b"") -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for i in range(len(text)):
            if not text[i].isalpha():
                continue
            for name in sorted({n for n, _ in self.parts}, key=len):
                if text.startswith(name, i):
                    found.append((i, i + len(name)))
            for surname in sorted({s for _, s in self.parts}, key=len):
                if text.startswith(surname, i) and text[i + len(surname):i + len(surname) + 2] in _HONORIFICS:
                    found.append((i, i + len(surname) + 2))
        return found


def _folded_view(text: str) -> tuple[str, list[int]]:
    """NFKC per character, format characters dropped; and for each folded char its origin."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue  # zero-width joiners and spaces hide nothing and must not split a number
        for folded in _fold(ch):
            chars.append(folded)
            origin.append(i)
    return "".join(chars), origin


def _labelled(text: str, start: int, label: re.Pattern[str]) -> bool:
    return label.search(text[max(0, start - 12):start]) is not None


def _pattern_findings(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    for m in _EMAIL.finditer(text):
        found.append(("email", m.start(), m.end()))
    for m in _ID18.finditer(text):
        if is_resident_id_18(re.sub(r"[ \-]", "", m.group())):
            found.append(("resident_id", m.start(), m.end()))
    for m in _ID15.finditer(text):
        if is_resident_id_15(m.group()) and not _labelled(text, m.start(), _ORDER_LABEL):
            found.append(("resident_id", m.start(), m.end()))
    for m in _CREDIT.finditer(text):
        if (not is_resident_id_18(m.group()) and is_credit_code(m.group())
                and not _labelled(text, m.start(), _ORDER_LABEL)):
            found.append(("credit_code", m.start(), m.end()))
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ \-]", "", m.group())
        if is_resident_id_18(digits) or not 16 <= len(digits) <= 19:
            continue
        if _labelled(text, m.start(), _CARD_LABEL) or (
                passes_luhn(digits) and not _labelled(text, m.start(), _ORDER_LABEL)):
            found.append(("bank_card", m.start(), m.end()))
    for m in _MOBILE.finditer(text):
        found.append(("mobile", m.start(), m.end()))
    for m in _LANDLINE.finditer(text):
        found.append(("landline", m.start(), m.end()))
    for m in _LOCAL_NUMBER.finditer(text):
        found.append(("landline", m.start(1), m.end(1)))
    for m in _PLATE.finditer(text):
        found.append(("plate", m.start(), m.end()))
    for m in _ADDRESS.finditer(text):
        start = m.start() + (1 if m.group().startswith(" ") else 0)
        found.append(("address", start, m.end()))
    return found


def find_personal_data(text: str, names: "NameTags | PlainNames | None" = None, key: bytes = b"") -> list[Finding]:
    """Every piece of personal information in `text`, as non-overlapping spans of the original."""
    view, origin = _folded_view(text)
    found = _pattern_findings(view)
    if names is not None:
        found += [("name", s, e) for s, e in names.spans(view, key)]
    # Earlier first, longer first on a tie; an overlapping later finding widens the earlier.
    found.sort(key=lambda f: (f[1], -f[2]))
    merged: list[list[Any]] = []  # [kind, start, end], widened in place
    for kind, start, end in found:
        if merged and start < merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], end)
        else:
            merged.append([kind, start, end])
    return [Finding(kind, origin[start], origin[end - 1] + 1) for kind, start, end in merged]


def redact(text: str, names: "NameTags | PlainNames | None" = None, key: bytes = b"") -> str:
    """The text with each piece of personal information replaced by a placeholder of its kind."""
    out: list[str] = []
    cursor = 0
    for finding in find_personal_data(text, names, key):
        out.append(text[cursor:finding.start])
        out.append(PLACEHOLDERS[finding.kind])
        cursor = finding.end
    out.append(text[cursor:])
    return "".join(out)
