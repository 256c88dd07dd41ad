"""Inquiry by tracking number and inquiry code: the limits on guessing.

The formats and the hash scheme are contracts: shared/contracts/identifiers.py, inquiry_code.py.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


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
