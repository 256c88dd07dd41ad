"""Apply consumed batches once in effect: inbox + state change + outbox in one transaction.

The pipeline for one batch of Kafka records:
1. decode each record; one that can never be an event goes to the dead-letter list;
2. in one transaction, record the event ids in the inbox and run the handlers for the
   ids not seen before (a redelivered event is skipped); a run of consecutive events that
   share a batch handler (`Batch`) is applied by one call, so its SQL is a few set-based
   statements for the whole run instead of a few round trips per event;
3. if that transaction fails for a reason that will not go away, run it again in halves
   inside savepoints, halving what fails down to single events, so only the events that
   fail are dead-lettered;
4. publish the dead letters, then (in the caller) let the batch's offsets be committed
   (`shared.kafka.offsets.OffsetCommits`: at most once a second, at once after a dead letter).
A transient failure (database or broker down) propagates, so the batch is read again.
"""

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord

from shared.contracts.envelope import Envelope, MalformedEvent, decode_headers, open_envelope
from shared.contracts.events import Event
from shared.db import is_transient
from shared.logging import APPEAL_ID, EVENT_ID
from shared.metrics import BATCH_SECONDS, MESSAGES_IN
from shared.refusals import Refused
from shared.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Envelope[Any]], Awaitable[None]]
BatchHandler = Callable[[UnitOfWork, Sequence[Envelope[Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Batch:
    """A handler that applies several events at once, in their order.

    The consumer hands it each run of consecutive fresh events mapped to this same object, so
    per-appeal order is kept: an event handled elsewhere ends the run. A run may hold two events
    of one appeal (the handler must apply them in order). When a batch fails, the consumer
    re-applies it in ever smaller parts down to single events, so a `Rejected` raised for one
    event dead-letters that event only.
    """

    apply: BatchHandler

_MARK_SEEN = """
INSERT INTO inbox (event_id, event_type)
SELECT * FROM unnest($1::uuid[], $2::text[])
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""


@dataclass(frozen=True)
class DeadLetter:
    record: ConsumerRecord
    reason: str


class Rejected(Exception):
    """A handler's verdict that this event can never be applied; the message says why.

    A use case's `shared.refusals.Refused` is dead-lettered the same way, with its kind and reason."""


def dead_letter_reason(exc: Exception) -> str:
    """Why an event that failed on its own is parked: the verdict's words, else the error."""
    if isinstance(exc, Refused):
        return exc.describe()
    if isinstance(exc, Rejected):
        return str(exc)
    return f"handler failed: {exc!r}"


@contextlib.contextmanager
def _log_context(envelope: Envelope[Any]) -> Iterator[None]:
    event_token = EVENT_ID.set(str(envelope.id))
    appeal_token = APPEAL_ID.set(envelope.subject)
    try:
        yield
    finally:
        EVENT_ID.reset(event_token)
        APPEAL_ID.reset(appeal_token)


class EventConsumer:
    def __init__(
        self,
        service: str,
        units_of_work: UnitOfWorkFactory,
        handlers: Mapping[type[Event], Handler | Batch],
        dead_letter: Callable[[Sequence[DeadLetter]], Awaitable[None]],
        *,
        default_types: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self._uow = units_of_work
        self._handlers = dict(handlers)
        self._handled = {model.event_type for model in self._handlers}
        self.handled_models = tuple(self._handlers)
        self._dead_letter = dead_letter
        self._default_types = dict(default_types or {})

    async def process(self, records: Sequence[ConsumerRecord]) -> int:
        """Apply a batch; return how many of its records were dead-lettered."""
        started = time.perf_counter()
        events, rejects = self._decode(records)
        if events:
            try:
                await self._apply(events)
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.warning("batch failed (%r); applying its %d events one by one", exc, len(events))
                rejects += await self._apply_isolated(events)
        if rejects:
            await self._dead_letter(rejects)
        BATCH_SECONDS.labels(self.service).observe(time.perf_counter() - started)
        return len(rejects)

    def _decode(self, records: Sequence[ConsumerRecord]) -> tuple[list[tuple[ConsumerRecord, Envelope[Any]]], list[DeadLetter]]:
        events: list[tuple[ConsumerRecord, Envelope[Any]]] = []
        rejects: list[DeadLetter] = []
        outcomes: Counter[tuple[str, str]] = Counter()  # counted per batch: a labels() lookup per record shows in profiles
        for record in records:
            entrance_type = self._default_types.get(record.topic)
            try:
                headers = decode_headers(record.headers)
                kind = headers.get("ce_type") or entrance_type
                if kind is not None and kind not in self._handled and entrance_type is None:
                    # Another service's event on a shared topic (or a newer type than this
                    # version knows): not ours to judge, so neither parsed nor parked.
                    outcomes[record.topic, "ignored"] += 1
                    continue
                envelope = open_envelope(
                    headers, record.value,
                    position=f"{record.topic}/{record.partition}/{record.offset}",
                    default_type=entrance_type,
                )
                if type(envelope.data) not in self._handlers:
                    raise MalformedEvent(f"{envelope.type} is not accepted on {record.topic}")
            except MalformedEvent as exc:
                rejects.append(DeadLetter(record, f"malformed: {exc}"))
                outcomes[record.topic, "malformed"] += 1
                continue
            events.append((record, envelope))
            outcomes[record.topic, "handled"] += 1
        for (topic, outcome), count in outcomes.items():
            MESSAGES_IN.labels(self.service, topic, outcome).inc(count)
        return events, rejects

    async def _apply(self, events: list[tuple[ConsumerRecord, Envelope[Any]]]) -> None:
        async with self._uow() as uow:
            await self._apply_in(uow, events)

    async def _apply_in(self, uow: UnitOfWork, events: list[tuple[ConsumerRecord, Envelope[Any]]]) -> None:
        """Mark the events seen and apply the fresh ones, in order, in the caller's transaction."""
        fresh = {
            r["event_id"]
            for r in await uow.conn.fetch(_MARK_SEEN, [e.id for _, e in events], [e.type for _, e in events])
        }
        run: list[Envelope[Any]] = []
        run_handler: Batch | None = None  # the Batch that applies `run`
        for _, envelope in events:
            if envelope.id not in fresh:
                continue
            fresh.discard(envelope.id)  # the same id twice in one batch applies once
            handler = self._handlers[type(envelope.data)]
            if run_handler is not None and handler is not run_handler:
                await run_handler.apply(uow, run)
                run, run_handler = [], None
            if isinstance(handler, Batch):
                run.append(envelope)
                run_handler = handler
                continue
            with _log_context(envelope):
                await handler(uow, envelope)
        if run_handler is not None:
            await run_handler.apply(uow, run)

    async def _apply_isolated(self, events: list[tuple[ConsumerRecord, Envelope[Any]]]) -> list[DeadLetter]:
        """Find the events that fail by halving the failed batch inside savepoints.

        Halves that succeed are kept; a failing half is halved again down to single events,
        which are dead-lettered. One bad event in a batch of 500 costs about 18 savepoints
        instead of 500 one-event applications, and the good events still go in runs.
        """
        rejects: list[DeadLetter] = []
        async with self._uow() as uow:
            middle = len(events) // 2
            if middle:
                await self._bisect(uow, events[:middle], rejects)
                await self._bisect(uow, events[middle:], rejects)
            else:
                await self._bisect(uow, events, rejects)
        return rejects

    async def _bisect(self, uow: UnitOfWork, events: list[tuple[ConsumerRecord, Envelope[Any]]],
                      rejects: list[DeadLetter]) -> None:
        emitted = len(uow.pending)
        try:
            async with uow.conn.transaction():  # a savepoint
                await self._apply_in(uow, events)
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            del uow.pending[emitted:]
            if len(events) == 1:
                record, envelope = events[0]
                reason = dead_letter_reason(exc)
                log.error("dead-lettering event %s (%s): %s", envelope.id, envelope.type, reason)
                rejects.append(DeadLetter(record, reason))
                return
        middle = len(events) // 2
        await self._bisect(uow, events[:middle], rejects)
        await self._bisect(uow, events[middle:], rejects)
