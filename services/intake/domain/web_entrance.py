"""The anonymous web entrance: who the client is, how often it may come, phone confirmations.

Pure rules; the SQL is in adapters/web_entrance.py and the route in api/appeals.py.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def client_address(peer: str | None, forwarded: str | None, trusted_proxies: frozenset[str]) -> str:
    """The address the limits count: the peer, or behind a trusted proxy the one it saw.

    A proxy appends the address it received the request from to the header, so the last
    entry is the only one the proxy vouches for; earlier entries are whatever the client sent.
    """
    peer = peer or "unknown"
    if forwarded and peer in trusted_proxies:
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return peer


@dataclass(frozen=True)
class Limit:
    scope: str  # "client" or "phone"
    attempts: int
    window: timedelta


def window_start(now: datetime, window: timedelta) -> datetime:
    return _EPOCH + ((now - _EPOCH) // window) * window


def retry_after_seconds(now: datetime, window: timedelta) -> int:
    """Whole seconds until the window containing `now` ends (at least 1)."""
    remaining = window_start(now, window) + window - now
    return max(1, int(remaining.total_seconds() + 0.999))


@dataclass(frozen=True)
class Confirmation:
    """A stored phone confirmation (its code only as a keyed hash)."""

    phone_hash: str
    code_hash: str
    expires_at: datetime
    attempts: int
    used_for: str | None  # the channel message it confirmed, once used


def confirmation_holds(c: Confirmation | None, *, phone_hash: str, code_hash: str, now: datetime,
                       max_attempts: int, channel_message_id: str) -> bool:
    """Whether this code proves the phone for this submission.

    One answer for every failure (unknown, other phone, expired, too many guesses, wrong code,
    used for another submission): the caller is not told which part was wrong. A code used for
    this very submission holds again, so a retried submission replays (idempotency).
    """
    if c is None or now >= c.expires_at or c.attempts >= max_attempts:
        return False
    if c.used_for is not None and c.used_for != channel_message_id:
        return False
    return c.phone_hash == phone_hash and c.code_hash == code_hash
