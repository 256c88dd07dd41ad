"""Check characters of the identifiers that redaction must recognise (pure arithmetic).

A check character tells an identifier from a look-alike number (an order number, a date
run): only a string that passes its check is treated as that kind of identifier.
"""

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # ISO 7064 MOD 11-2, indexed by the weighted sum mod 11

# GB 32100-2015: the unified social credit code's alphabet leaves out I, O, S, V and Z.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def resident_id_check(first17: str) -> str:
    """The 18th character of a resident ID number for its first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_resident_id_18(text: str) -> bool:
    """18 characters: area (first digit 1-9), birth date 1900-2099, sequence, valid check character."""
    if len(text) != 18 or not text[:17].isdigit() or text[0] == "0":
        return False
    if not (text[6:8] in ("19", "20") and _is_date(int(text[6:10]), int(text[10:12]), int(text[12:14]))):
        return False
    return resident_id_check(text[:17]) == text[17].upper()


def is_resident_id_15(text: str) -> bool:
    """The older 15-digit form: area, YYMMDD birth date (19YY), 3-digit sequence; no check character."""
    return (len(text) == 15 and text.isdigit() and text[0] != "0"
            and _is_date(1900 + int(text[6:8]), int(text[8:10]), int(text[10:12])))


def uscc_check(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_credit_code(text: str) -> bool:
    """An 18-character unified social credit code whose last character checks."""
    text = text.upper()
    if len(text) != 18 or any(c not in _USCC_ALPHABET for c in text):
        return False
    return uscc_check(text[:17]) == text[17]


def passes_luhn(digits: str) -> bool:
    """The Luhn checksum that bank-card numbers carry."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0
