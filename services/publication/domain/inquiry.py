"""Inquiry by tracking number and inquiry code: formats and the limits on guessing."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TRACKING_NUMBER = re.compile(r"^SY\d{8}[0-9A-HJKMNP-TV-Z]{8}$")
# What intake hands out is opaque to us; this only bounds what is worth hashing.
INQUIRY_CODE = re.compile(r"^[0-9A-Za-z]{4,32}$")


@dataclass(frozen=True)
class Limit:
    scope: str  # "number" (per tracking number) or "client" (per caller address)
    attempts: int
    window: timedelta


# Per number: a petitioner mistyping a few times is fine, a guesser is stopped quickly.
# Per client: one caller trying many numbers. Counted per attempt that carries a code.
LIMITS: tuple[Limit, ...] = (
    Limit("number", 5, timedelta(minutes=15)),
    Limit("client", 20, timedelta(minutes=15)),
)

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window that contains `now`."""
    return _EPOCH + ((now - _EPOCH) // window) * window


def retry_after_seconds(now: datetime, window: timedelta) -> int:
    """Whole seconds until the window containing `now` ends (at least 1)."""
    remaining = window_start(now, window) + window - now
    return max(1, int(remaining.total_seconds() + 0.999))


def canonical_code(code: str) -> str:
    """The form intake hashed (services/intake/domain/inquiry.py documents the scheme):
    NFKC, upper case, without spaces, tabs and dashes, so "abcd-efgh" typed on a phone matches."""
    text = unicodedata.normalize("NFKC", code).upper()
    return "".join(ch for ch in text if ch not in " -\t")
