"""Transactional outbox: events are stored with the state change, then relayed to Kafka.

Two ways out of the table, both sending in id order and deleting a row only once Kafka has it:
- The committing transaction's own events go straight to Kafka from memory (`hand_over`) when
  no older unsent row shares one of their keys (appeal ids): the statement that stores them
  checks, so nothing of the same appeal can be overtaken. This is the usual path; it spares an
  appeal the relay's transaction (a wake-up, BEGIN, claim) before its event is sent, at every hop.
- The relay sends everything else: events stored behind an older unsent one of their appeal,
  events whose direct send failed, and those of a replica that died before sending. It holds a
  transaction-scoped advisory lock while it publishes, so several relays (one per replica) may
  run at once but only one publishes at a time, in id order; a free-for-all with SKIP LOCKED
  could publish one appeal's consecutive events in either order.
Whoever sends a row sends every older unsent row of its appeal first (or finds none), so a
row sent twice (a relay claiming a row another replica is sending directly, a send retried
after a lost acknowledgement) is a duplicate the consumers' inbox skips, never a reordering.
Within one process the relay stops below the rows being sent directly, so it does not repeat them.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import asyncpg

from shared.contracts.envelope import Envelope
from shared.db import is_transient
from shared.metrics import MESSAGES_OUT, OUTBOX_BACKLOG

log = logging.getLogger(__name__)

# publish(topic, key, headers, body) -> an awaitable that resolves once Kafka has the record
Publish = Callable[[str, bytes, dict[str, str], bytes], Awaitable[Awaitable[object] | object]]

# Stores the rows and, in the same round trip, says whether an older unsent row has one of
# their keys. The outer query does not see the rows its CTE inserts (one snapshot), so `behind`
# looks only at rows committed before (or written earlier in this transaction).
_STORE = """
WITH stored AS (
    INSERT INTO outbox (event_id, topic, key, headers, body)
    SELECT e, t, k, h::jsonb, b
    FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::text[], $5::bytea[]) AS u(e, t, k, h, b)
    RETURNING id, event_id
)
SELECT array_agg(id ORDER BY id) AS ids, array_agg(event_id ORDER BY id) AS event_ids,
       EXISTS (SELECT 1 FROM outbox WHERE key = ANY($3::bytea[])) AS behind
FROM stored
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


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Stored:
    """What one transaction wrote to the outbox, kept in memory to be sent once it commits."""

    ids: list[int]  # ascending: the order to send in
    records: list[Record]  # in the order of `ids`
    behind: bool  # an older unsent row has one of these keys: only the relay may send them


async def store(conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> Stored | None:
    """Write events to the outbox in the caller's transaction, in one round trip."""
    if not envelopes:
        return None
    records = {e.id: Record(e.data.topic, e.key(), e.headers(), e.body()) for e in envelopes}
    row = await conn.fetchrow(
        _STORE,
        list(records),
        [r.topic for r in records.values()],
        [r.key for r in records.values()],
        [json.dumps(r.headers) for r in records.values()],
        [r.body for r in records.values()],
    )
    return Stored(row["ids"], [records[e] for e in row["event_ids"]], row["behind"])


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
        self._finished = False
        self._sending: set[int] = set()  # ids this process is sending directly
        self._direct: set[asyncio.Task] = set()
        self._to_delete: list[int] = []  # sent directly and acknowledged, not yet deleted
        self._deleting = asyncio.Lock()
        self._held_back = False  # the relay's last look left rows behind a direct send

    def stop(self) -> None:
        """Publish what is stored now, then let run() return instead of waiting for more."""
        self._stopping = True
        self._wakeup.set()

    def wake(self) -> None:
        """Say that new rows were committed; the relay looks at once instead of at its next poll."""
        self._wakeup.set()

    async def finish_direct_sends(self, timeout: float) -> None:
        """Wait up to `timeout` for the direct sends still on their way, then cancel the rest
        (their producer is about to stop): their rows stay stored and go out at the next start."""
        if self._direct:
            await asyncio.wait(set(self._direct), timeout=timeout)
        tasks = set(self._direct)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def hand_over(self, stored: Stored) -> None:
        """Take a transaction's events right after it committed: send them from memory, or,
        when an older row of one of their appeals is still unsent, wake the relay for them.
        Called with no await between the commit and this call, so no look of this process's
        relay can start in between and claim the rows too."""
        if stored.behind or self._finished:
            self.wake()  # after run() returned, they wait for the next start, as with the relay
            return
        self._sending.update(stored.ids)
        task = asyncio.create_task(self._send_directly(stored), name=f"{self.service}-outbox-direct")
        self._direct.add(task)
        task.add_done_callback(self._direct.discard)

    async def _send_directly(self, stored: Stored) -> None:
        try:
            await self._send(stored.records)
            await self._delete_sent(stored.ids)
        except Exception as exc:  # noqa: BLE001 - the rows stay stored; the relay sends them
            level = logging.WARNING if is_transient(exc) else logging.ERROR
            log.log(level, "sending %d stored events directly failed, the relay takes them: %r",
                    len(stored.ids), exc)
            self._held_back = True
        finally:
            self._sending.difference_update(stored.ids)
        if self._held_back:
            self._wakeup.set()

    async def _delete_sent(self, ids: list[int]) -> None:
        """Delete rows Kafka has, together with those of the direct sends acknowledged meanwhile:
        one DELETE at a time, each taking every id waiting, so a burst of small transactions
        does not cost PostgreSQL a transaction of its own per transaction it relays. Returns
        once these ids are gone (or raises if the DELETE that held them failed)."""
        self._to_delete.extend(ids)
        async with self._deleting:
            if not self._to_delete:
                return  # a DELETE that started after ours were queued took them
            batch, self._to_delete = self._to_delete, []
            await self._pool.execute(_DELETE, batch)

    async def _send(self, records: Sequence[Record]) -> None:
        """Hand every record to the producer in order, then wait until Kafka has them all."""
        pending = []
        for record in records:
            sent = await self._publish(record.topic, record.key, record.headers, record.body)
            if isinstance(sent, Awaitable):
                pending.append(sent)
        await asyncio.gather(*pending)
        for record in records:
            MESSAGES_OUT.labels(self.service, record.topic).inc()

    async def run(self) -> None:
        backoff = 0.1
        while True:
            # Clear before looking, not after: a commit that wakes us while we publish must
            # trigger the next look at once instead of waiting for the next poll.
            self._wakeup.clear()
            finishing = self._stopping  # a look begun after stop() sees every commit before it
            if finishing and self._direct:  # their rows are deleted, or left for this last look
                await asyncio.wait(set(self._direct))
            try:
                sent = await self.relay_once()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must outlive any one failure
                level = logging.WARNING if is_transient(exc) else logging.ERROR
                log.log(level, "outbox relay failed, retrying in %.1fs: %r", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if finishing and sent < self._batch_size:
                self._finished = True
                return
            if sent < self._batch_size:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_seconds)
                except TimeoutError:
                    pass

    async def relay_once(self) -> int:
        """Publish up to one batch; return how many events went out."""
        async with self._pool.acquire() as conn, conn.transaction():
            # No rows: nothing to send, or another relay of this service is publishing.
            rows = await conn.fetch(_LOCK_AND_CLAIM, self._batch_size, f"outbox:{self.service}")
            rows = self._below_direct_sends(rows)
            if not rows:
                OUTBOX_BACKLOG.labels(self.service).set(0)
                return 0
            await self._send([Record(r["topic"], r["key"], json.loads(r["headers"]), r["body"]) for r in rows])
            await conn.execute(_DELETE, [row["id"] for row in rows])
        if len(rows) == self._batch_size:
            async with self._pool.acquire() as conn:
                OUTBOX_BACKLOG.labels(self.service).set(await conn.fetchval(_BACKLOG))
        return len(rows)

    def _below_direct_sends(self, rows: list[asyncpg.Record]) -> list[asyncpg.Record]:
        """The claimed rows this relay may send now: those before the first row this process is
        sending directly (it would send that one twice, and a later row of its appeal must not
        go before it). If a row it leaves is not being sent directly, the relay looks again as
        soon as the direct sends before it end."""
        bound = min(self._sending, default=None)
        if bound is None or not rows or rows[-1]["id"] < bound:
            self._held_back = False
            return rows
        cut = next(i for i, row in enumerate(rows) if row["id"] >= bound)
        self._held_back = len(rows) == self._batch_size or any(r["id"] not in self._sending for r in rows[cut:])
        return rows[:cut]
