"""Petitioner data checks: formats and check characters, after NFKC normalisation.

Each check returns the canonical form (what intake stores and compares) or raises
InvalidField naming the field and the reason. The reason never repeats the value: it may
be an ID number or a phone number, and reasons end up in HTTP bodies and dead letters.
"""

import re
from dataclasses import dataclass
from datetime import date

from services.intake.domain.scope import normalise
from shared.refusals import Invalid


class InvalidField(Invalid, ValueError):
    """A field that does not pass the rule: 422 over HTTP, a dead letter over Kafka (shared/refusals.py)."""


# --- phone numbers -----------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# 0 + area code (2 digits for Beijing/Shanghai-style 010/02x, 3 for the rest) + a local
# number of 7-8 digits that does not start with 0 or 1.
_LANDLINE = re.compile(r"^0(?:[12]\d|[3-9]\d{2})[2-9]\d{6,7}$")


def canonical_phone(raw: str, field: str = "petitioner.phone") -> str:
    """A mobile as 11 digits, a landline as 0 + area code + number (digits only)."""
    text = _SEPARATORS.sub("", normalise(raw))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and _MOBILE.match(text[len(prefix):]):
            text = text[len(prefix):]
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    if text.isdigit() and text.startswith("1"):
        raise InvalidField(field, "a mobile number has 11 digits starting 13-19")
    raise InvalidField(field, "expected a mobile number (1[3-9] + 9 digits, optional +86) "
                              "or a landline (0 + area code + 7-8 digits)")


# --- resident identity card number (GB 11643, check character ISO 7064 MOD 11-2) --------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def canonical_resident_id(raw: str, field: str = "petitioner.id_number") -> str:
    """18 characters with a valid check character (X upper-case), or the old 15-digit form."""
    text = normalise(raw).upper().replace(" ", "")
    if re.fullmatch(r"\d{17}[\dX]", text):
        _require_birth_date(text[6:14], field)
        if resident_id_check_char(text[:17]) != text[17]:
            raise InvalidField(field, "check character does not match (ISO 7064 MOD 11-2)")
        return text
    if re.fullmatch(r"\d{15}", text):  # issued before 1999: 2-digit year of the 1900s, no check character
        _require_birth_date("19" + text[6:12], field)
        return text
    raise InvalidField(field, "a resident ID number has 18 characters (17 digits + digit or X) or 15 digits")


def _require_birth_date(yyyymmdd: str, field: str) -> None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise InvalidField(field, "the birth date inside the number is not a date") from None
    if born.year < 1880:
        raise InvalidField(field, "the birth date inside the number is not plausible")


# --- unified social credit code (GB 32100-2015) ------------------------------------

# 31 characters: digits and upper-case letters without I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def canonical_credit_code(raw: str, field: str = "petitioner.credit_code") -> str:
    text = normalise(raw).upper().replace(" ", "")
    if len(text) != 18 or any(c not in _USCC_ALPHABET for c in text):
        raise InvalidField(field, "a unified social credit code has 18 characters from 0-9 and A-Y "
                                  "without I, O, Z, S, V")
    if not text[2:8].isdigit():
        raise InvalidField(field, "characters 3-8 must be the administrative area code (digits)")
    if credit_code_check_char(text[:17]) != text[17]:
        raise InvalidField(field, "check character does not match (GB 32100-2015)")
    return text


# --- the petitioner as a whole -------------------------------------------------------


@dataclass(frozen=True)
class CheckedPetitioner:
    """The petitioner in canonical form; what intake stores and compares."""

    name: str
    phone: str
    id_number: str | None = None
    enterprise_name: str | None = None
    credit_code: str | None = None

    @property
    def enterprise(self) -> bool:
        return self.credit_code is not None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_petitioner(name: str, phone: str, id_number: str | None = None,
                     enterprise_name: str | None = None, credit_code: str | None = None) -> CheckedPetitioner:
    """Normalise and check every petitioner field; the first bad one raises InvalidField."""
    clean_name = normalise(name)
    if not clean_name or _CONTROL.search(clean_name) or any(ch.isdigit() for ch in clean_name):
        raise InvalidField("petitioner.name", "a name has no digits or control characters")
    enterprise = normalise(enterprise_name) if enterprise_name else None
    if enterprise is not None and _CONTROL.search(enterprise):
        raise InvalidField("petitioner.enterprise_name", "control characters are not allowed")
    code = canonical_credit_code(credit_code) if credit_code else None
    if code is not None and not enterprise:
        raise InvalidField("petitioner.enterprise_name", "required with a unified social credit code")
    return CheckedPetitioner(
        name=clean_name,
        phone=canonical_phone(phone),
        id_number=canonical_resident_id(id_number) if id_number else None,
        enterprise_name=enterprise,
        credit_code=code,
    )
