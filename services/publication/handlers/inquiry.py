"""Inquiry: a public appeal is shown to anyone; a private one only with its inquiry code.

The answer for an unknown number and for a wrong code is the same (NotFound), and takes
about as long: an unknown number is checked against a dummy hash too, so timing does not
tell which numbers exist. Attempts that carry a code count against a limit per tracking
number and per client, kept in PostgreSQL so all replicas share them.
"""

import functools
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from services.publication.adapters import evaluations, limits, repository
from services.publication.domain.inquiry import (
    LIMITS,
    retry_after_seconds,
    window_start,
)
from services.publication.domain.lifecycle import is_disclosed
from services.publication.domain.row import PublicRow
from shared.contracts.inquiry_code import verify_inquiry_code
from shared.hashing import hasher, in_hash_pool
from shared.loops import run_forever
from shared.refusals import Refusal, Refused
from shared.runtime import ServiceContext


# One answer for an unknown number, a private appeal without its code and a wrong code.
NOT_FOUND_DETAIL = "no appeal with this tracking number can be shown; a private appeal needs its inquiry code"


class NotFound(Refused):
    """No appeal the caller may see has this number (unknown, private without the right code);
    shared/http.py answers it with the platform's 404."""

    def __init__(self) -> None:
        super().__init__(Refusal.NOT_FOUND, NOT_FOUND_DETAIL)


@dataclass
class TooManyAttempts(Exception):
    retry_after: int


@functools.cache
def _dummy_hash() -> str:
    # With the platform's parameters: verifying it costs what verifying a real code's hash costs.
    return hasher().hash(b"no appeal has this number")


def code_matches(stored_hash: str | None, code: str, pepper: bytes) -> bool:
    """The contract's check (argon2 over pepper + canonical code); CPU-bound, call in the hash pool.
    An unknown number is checked against a dummy hash, so it costs what a wrong code costs."""
    return verify_inquiry_code(stored_hash or _dummy_hash(), code, pepper) and stored_hash is not None


def client_bucket(client: str, pepper: bytes) -> str:
    """A keyed hash of the caller's address: the counter table holds no IP address."""
    return "client:" + hmac.new(pepper, client.encode(), hashlib.sha256).hexdigest()[:32]


async def check_limits(ctx: ServiceContext, tracking_number: str, client: str) -> None:
    """Count this attempt; raise TooManyAttempts when a bucket is over its limit."""
    now = ctx.clock.now()
    buckets = {"number": f"number:{tracking_number}", "client": client_bucket(client, ctx.settings.pepper())}
    waits = []
    for limit in LIMITS:
        start = window_start(now, limit.window)
        if await limits.count_attempt(ctx.pool, buckets[limit.scope], start) > limit.attempts:
            waits.append(retry_after_seconds(now, limit.window))
    if waits:
        raise TooManyAttempts(max(waits))


async def look_up(ctx: ServiceContext, tracking_number: str, code: str | None, client: str,
                  *, for_update_conn=None) -> PublicRow:
    """The row the caller may see, or NotFound / TooManyAttempts."""
    if code is not None:
        await check_limits(ctx, tracking_number, client)
    row = await repository.get(for_update_conn or ctx.pool, tracking_number, for_update=for_update_conn is not None)
    if row is not None and is_disclosed(row):
        return row
    if code is None:
        raise NotFound()
    stored = row["inquiry_code_hash"] if row is not None and row["private"] else None
    if not await in_hash_pool(code_matches, stored, code, ctx.settings.pepper()) or row is None:
        raise NotFound()
    return row


async def prune_attempts(ctx: ServiceContext) -> None:
    """Background loop: forget counters of windows long past and evaluation tokens expired."""
    window = max(limit.window for limit in LIMITS)

    async def prune() -> None:
        await limits.prune(ctx.pool, ctx.clock.now() - 2 * window)
        await evaluations.prune_tokens(ctx.pool, ctx.clock.now())

    await run_forever("publication", "inquiry-attempt pruning", prune,
                      every=max(60.0, ctx.clock.seconds_for(timedelta(minutes=10))))
