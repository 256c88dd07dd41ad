"""The deadline of each appeal through routing's lifecycle events.

Design (keeps the e2e facts: one row per dispatched appeal, a DeadlineSet soon after dispatch):
- AppealDispatched creates the row in state `awaiting_signature`, counted provisionally from
  the dispatch day (DeadlineSet reason "dispatched"), so publication can show a date at once;
- AppealSigned recounts from the signing day, the day the unit received the letter
  (reason "signed"), and the clock runs (`open`);
- AppealReturned stops it: the unit returned a letter that was not its business, so no reminder,
  overdue or supervision fires against it any more (state `returned`, no DeadlineSet);
- AppealRedispatched restarts it for the new unit, awaiting its signature ("redispatched");
  its signature recounts the period from the day the new unit received the letter;
- AppealReplied stops it (DeadlineStopped, met or not); AppealReopened restarts it ("reopened");
- ExtensionRequested waits for a supervisor, or is refused at once after the deadline.
Events for an appeal with no row yet are parked and applied when its letter arrives.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from services.sla.adapters import concentration as profiles
from services.sla.adapters import extensions, parking, repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain.deadline_row import DeadlineRow
from services.sla.domain.deadlines import period_for
from services.sla.domain.rules import Rules
from services.sla.handlers.deadline_events import deadline_set, deadline_stopped
from shared.clock import Clock
from shared.consumer import Batch, Rejected
from shared.contracts.envelope import Envelope, open_envelope
from shared.contracts.events import (
    AppealDispatched, AppealRedispatched, AppealReopened, AppealReplied, AppealReturned, AppealSigned,
    ExtensionDecided, ExtensionRequested,
)
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Deadlines:
    def __init__(self, rules: Rules, calendars: CalendarCache, clock: Clock):
        self.rules, self.calendars, self.clock = rules, calendars, clock
        # Each handler takes its own event type's envelope; the map is keyed by that type.
        self.waiting_for_letter: dict[type, Callable[[UnitOfWork, Any], Awaitable[None]]] = {
            AppealSigned: self.on_signed, AppealReturned: self.on_returned, AppealRedispatched: self.on_redispatched,
            AppealReplied: self.on_replied, AppealReopened: self.on_reopened,
            ExtensionRequested: self.on_extension_requested,
        }

    def handlers(self) -> dict:
        return {AppealDispatched: Batch(self.on_dispatched), **self.waiting_for_letter}

    async def on_dispatched(self, uow: UnitOfWork, envelopes: Sequence[Envelope[AppealDispatched]]) -> None:
        """A run of letters: four statements whatever its length (flags, calendar, one insert,
        the parked events of the new deadlines)."""
        letters: dict[UUID, tuple[AppealDispatched, int]] = {}
        for envelope in envelopes:
            letter = envelope.data
            try:
                days = period_for(letter.appeal_type, letter.subtype, letter.category, self.rules.period_overrides)
            except ValueError as exc:
                raise Rejected(f"no deadline for this transfer letter: {exc}") from exc
            # A second letter of one appeal in the run is a redelivery: the first sets the deadline.
            letters.setdefault(letter.appeal_id, (letter, days))
        flags = await profiles.flags(uow.conn, list(letters))
        calendar = await self.calendars.current(uow.conn)
        now = self.clock.now()
        rows = []
        for letter, days in letters.values():
            early, key = flags.get(letter.appeal_id, (False, False))
            row = state.new_row(
                appeal_id=letter.appeal_id, unit_code=letter.unit_code, appeal_type=letter.appeal_type.value,
                subtype=letter.subtype.value if letter.subtype else None, category=letter.category,
                received_at=letter.dispatched_at, period_days=days, attempt=letter.attempt,
                early_reminder=early, key_supervision=key, calendar=calendar, rules=self.rules, now=now)
            rows.append(row)
        created = await repository.insert_many(uow.conn, rows)  # a redelivered letter's deadline exists
        parked = await parking.take(uow.conn, sorted(created)) if created else {}
        for row in rows:
            if row["appeal_id"] in created:
                uow.emit(deadline_set(row, "dispatched"), time=now)
                await self._apply_parked(uow, row["appeal_id"], parked.get(row["appeal_id"], []))

    async def on_signed(self, uow: UnitOfWork, envelope: Envelope[AppealSigned]) -> None:
        signed = envelope.data
        row = await self._row_or_park(uow, envelope)
        if row is None or row["state"] != "awaiting_signature":
            return  # parked, or signed before (a redelivery): nothing changes
        self._holder_only(row, signed.unit_code, "signed")
        previous = row["due_at"]
        row.update({"state": "open", "received_at": signed.signed_at})
        await self._save_and_announce(uow, row, "signed", previous)

    async def on_returned(self, uow: UnitOfWork, envelope: Envelope[AppealReturned]) -> None:
        returned = envelope.data
        row = await self._row_or_park(uow, envelope)
        if row is None or row["state"] != "awaiting_signature":
            return  # parked, or returned before (a redelivery): routing allows a return only before signing
        self._holder_only(row, returned.unit_code, "returned")
        state.return_letter(row, returned.returned_at)
        await extensions.withdraw_pending(uow.conn, returned.appeal_id, self.clock.now(), "the letter was returned")
        await repository.save(uow.conn, row)

    async def on_redispatched(self, uow: UnitOfWork, envelope: Envelope[AppealRedispatched]) -> None:
        letter = envelope.data
        row = await self._row_or_park(uow, envelope)
        if row is None or letter.attempt <= row["attempt"]:
            return
        previous, now = row["due_at"], self.clock.now()
        await extensions.withdraw_pending(uow.conn, letter.appeal_id, now, "re-dispatched to another unit")
        state.restart(row, received_at=letter.redispatched_at, state="awaiting_signature")
        row.update({"unit_code": letter.unit_code, "attempt": letter.attempt})
        await self._save_and_announce(uow, row, "redispatched", previous)

    async def on_replied(self, uow: UnitOfWork, envelope: Envelope[AppealReplied]) -> None:
        reply = envelope.data
        row = await self._row_or_park(uow, envelope)
        if row is None or row["state"] not in state.RUNNING:
            return  # replied before (a redelivery), or returned: no clock of this unit runs
        self._holder_only(row, reply.unit_code, "replied to")
        now = self.clock.now()
        state.stop(row, reply.replied_at)
        await extensions.withdraw_pending(uow.conn, reply.appeal_id, now, "the appeal was replied")
        await repository.save(uow.conn, row)
        uow.emit(deadline_stopped(row, now), time=now)

    async def on_reopened(self, uow: UnitOfWork, envelope: Envelope[AppealReopened]) -> None:
        reopened = envelope.data
        row = await self._row_or_park(uow, envelope)
        if row is None or row["state"] != "stopped":
            return
        previous = row["due_at"]
        # The unit that replied keeps the appeal and has already signed for it: the new clock runs at once.
        state.restart(row, received_at=reopened.reopened_at, state="open")
        await self._save_and_announce(uow, row, "reopened", previous)

    async def on_extension_requested(self, uow: UnitOfWork, envelope: Envelope[ExtensionRequested]) -> None:
        request = envelope.data
        row = await self._row_or_park(uow, envelope)
        if row is None:
            return
        self._holder_only(row, request.unit_code, "asked to extend")
        now = self.clock.now()
        refusal = state.extension_refusal(row, request.requested_at)
        record = partial(extensions.insert, uow.conn, extension_id=uuid4(), appeal_id=request.appeal_id,
                         unit_code=request.unit_code, working_days=request.working_days, reason=request.reason,
                         requested_at=request.requested_at)
        if refusal is None:
            await record(status="pending")
            return
        if await record(status="refused", decided_by="sla", decided_at=now, decision_reason=refusal):
            uow.emit(ExtensionDecided(appeal_id=request.appeal_id, unit_code=request.unit_code, approved=False,
                                      working_days=0, reason=refusal, decided_by="sla", decided_at=now), time=now)

    # --- helpers -------------------------------------------------------------------------

    async def _save_and_announce(self, uow: UnitOfWork, row: DeadlineRow, reason: str, previous: datetime | None) -> None:
        now = self.clock.now()
        state.recompute(row, await self.calendars.current(uow.conn), self.rules, now)
        await repository.save(uow.conn, row)
        uow.emit(deadline_set(row, reason, previous), time=now)

    async def _row_or_park(self, uow: UnitOfWork, envelope: Envelope[Any]) -> DeadlineRow | None:
        row = await repository.lock(uow.conn, envelope.data.appeal_id)
        if row is None:
            await parking.park(uow.conn, envelope, envelope.data.appeal_id, self.clock.now())
            log.info("parked %s for an appeal sla does not know yet", envelope.type)
        return row

    @staticmethod
    def _holder_only(row: DeadlineRow, unit_code: str, act: str) -> None:
        if row["unit_code"] != unit_code:
            raise Rejected(f"unit {unit_code} {act} an appeal held by {row['unit_code']}")

    async def _apply_parked(self, uow: UnitOfWork, appeal_id, parked_events: list[dict]) -> None:
        """Apply what arrived before the letter, in arrival order; a failure is kept for the sweep."""
        for parked in parked_events:
            envelope = open_envelope(parked["headers"], parked["body"], position=f"parked/{parked['seq']}")
            handler = self.waiting_for_letter[type(envelope.data)]
            try:
                async with uow.conn.transaction():  # a savepoint: one bad parked event spoils nothing else
                    emitted = len(uow.pending)
                    try:
                        await handler(uow, envelope)
                    except Exception:
                        del uow.pending[emitted:]
                        raise
            except Rejected as exc:
                await parking.put_back_failed(uow.conn, parked, appeal_id, self.clock.now(), str(exc))
