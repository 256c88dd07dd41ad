"""Transactional outbox: events are stored with the state change, then relayed to Kafka.

The relay holds a transaction-scoped advisory lock while it publishes, so several relays
(one per replica) may run at once but only one publishes at a time. That keeps each
appeal's events in the order they were written, which a free-for-all with SKIP LOCKED
would not: two relays could publish one appeal's consecutive events in either order.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from shared.contracts.envelope import Envelope
from shared.loops import Finished, run_forever
from shared.metrics import MESSAGES_OUT, OUTBOX_BACKLOG

log = logging.getLogger(__name__)

# publish(topic, key, headers, body) -> an awaitable that resolves once Kafka has the record
Publish = Callable[[str, bytes, dict[str, str], bytes], Awaitable[Awaitable[object] | object]]

_INSERT = """
INSERT INTO outbox (event_id, topic, key, headers, body)
SELECT e, t, k, h::jsonb, b
FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::text[], $5::bytea[]) AS u(e, t, k, h, b)
"""
# The lock and the claim in one round trip: the CTE runs once, before any row is read, and a
# relay that does not get the lock reads nothing.
_LOCK_AND_CLAIM = """
WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(hashtext($2)) AS held)
SELECT o.id, o.topic, o.key, o.headers, o.body FROM lock, outbox o
WHERE lock.held ORDER BY o.id LIMIT $1
"""
_DELETE = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"
_BACKLOG = "SELECT count(*) FROM outbox"


async def store(conn: asyncpg.Connection, envelopes: Sequence[Envelope[Any]]) -> None:
    """Write events to the outbox in the caller's transaction, in one round trip."""
    if not envelopes:
        return
    await conn.execute(
        _INSERT,
        [e.id for e in envelopes],
        [e.data.topic for e in envelopes],
        [e.key() for e in envelopes],
        [json.dumps(e.headers()) for e in envelopes],
        [e.body() for e in envelopes],
    )


class OutboxRelay:
    """Publishes stored events in id order and deletes them once Kafka has them."""

    def __init__(
        self,
        service: str,
        pool: asyncpg.Pool,
        publish: Publish,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
    ) -> None:
        self.service = service
        self._pool = pool
        self._publish = publish
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wakeup = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Publish what is stored now, then let run() return instead of waiting for more."""
        self._stopping = True
        self._wakeup.set()

    def wake(self) -> None:
        """Say that new rows were committed; the relay looks at once instead of at its next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Relay until stop(): at once while full batches go out, else at the next commit or poll."""
        await run_forever(self.service, "outbox relay", self._cycle, every=self._poll_seconds,
                          wake=self._wakeup)

    async def _cycle(self) -> float | None:
        # run_forever clears the wake-up before each cycle, not after: a commit that wakes us
        # while we publish triggers the next look at once instead of waiting for the next poll.
        finishing = self._stopping  # a look begun after stop() sees every commit before it
        if await self.relay_once() == self._batch_size:
            return 0
        if finishing:
            raise Finished
        return None

    async def relay_once(self) -> int:
        """Publish up to one batch; return how many events went out."""
        async with self._pool.acquire() as conn, conn.transaction():
            # No rows: nothing to send, or another relay of this service is publishing.
            rows = await conn.fetch(_LOCK_AND_CLAIM, self._batch_size, f"outbox:{self.service}")
            if not rows:
                OUTBOX_BACKLOG.labels(self.service).set(0)
                return 0
            pending = []
            for row in rows:
                sent = await self._publish(row["topic"], row["key"], json.loads(row["headers"]), row["body"])
                if isinstance(sent, Awaitable):
                    pending.append(sent)
            await asyncio.gather(*pending)
            await conn.execute(_DELETE, [row["id"] for row in rows])
        for row in rows:
            MESSAGES_OUT.labels(self.service, row["topic"]).inc()
        if len(rows) == self._batch_size:
            async with self._pool.acquire() as conn:
                OUTBOX_BACKLOG.labels(self.service).set(await conn.fetchval(_BACKLOG))
        return len(rows)
