"""The public read model, built only from events, tolerant of any arrival order.

Each event fills in its own columns and its timeline step. Texts are redacted here, before
anything is written: the appeal text with the petitioner's name (known from AppealAccepted)
and the patterns; a reply with the patterns and the name's keyed hashes (the name itself is
never stored). A reply that arrives before the acceptance is redacted again once the name's
hashes are known; until then the row is not public, because privacy is not known yet.
"""

from datetime import datetime
from uuid import UUID

from services.publication.adapters import open311 as open311_store
from services.publication.adapters import repository
from services.publication.domain.redaction import NameTags, redact
from services.publication.handlers.publishing import refresh
from shared.contracts.envelope import Envelope
from shared.contracts.events import (
    AppealAccepted,
    AppealClosed,
    AppealDispatched,
    AppealEvaluated,
    AppealReclassified,
    AppealRedispatched,
    AppealReopened,
    AppealReplied,
    AppealSigned,
    DeadlineSet,
    DeadlineStopped,
)
from shared.unit_of_work import UnitOfWork


class Projection:
    def __init__(self, pepper: bytes):
        self._key = pepper  # keys the name hashes; the same secret as the inquiry-code pepper

    async def _apply(self, uow: UnitOfWork, statement: str, *args, step: tuple[UUID, str, datetime] | None = None):
        row = await repository.upsert(uow.conn, statement, *args)
        if step is not None:
            await repository.add_step(uow.conn, *step)
        await refresh(uow, row)
        return row

    async def on_accepted(self, uow: UnitOfWork, envelope: Envelope[AppealAccepted]) -> None:
        appeal = envelope.data
        names = NameTags.of([appeal.contact.name] if appeal.contact else [], self._key)
        summary = redact(appeal.description, names, self._key)
        row = await repository.upsert(
            uow.conn, repository.ACCEPTED, appeal.appeal_id, appeal.tracking_number, appeal.appeal_type.value,
            appeal.category, appeal.district, appeal.private, appeal.accepted_at, summary,
            sorted(names.tags), appeal.inquiry_code_hash)
        if row["reply"] is not None and names.tags:
            row["reply"] = redact(row["reply"], names, self._key)
            await repository.set_reply(uow.conn, appeal.appeal_id, row["reply"])
        await repository.add_step(uow.conn, appeal.appeal_id, "accepted", appeal.accepted_at)
        # An Open311 token resolves to its service_request_id once acceptance names the submission.
        submission = appeal.channel_message_id
        if submission:
            await open311_store.resolve(uow.conn, submission, appeal.tracking_number)
        await refresh(uow, row)

    async def on_reclassified(self, uow: UnitOfWork, envelope: Envelope[AppealReclassified]) -> None:
        e = envelope.data
        await self._apply(uow, repository.RECLASSIFIED, e.appeal_id, e.appeal_type.value, e.category,
                          e.district, e.reclassified_at)

    async def on_dispatched(self, uow: UnitOfWork, envelope: Envelope[AppealDispatched]) -> None:
        e = envelope.data
        await self._apply(uow, repository.UNIT, e.appeal_id, e.unit_name, e.dispatched_at,
                          step=(e.appeal_id, "dispatched", e.dispatched_at))

    async def on_redispatched(self, uow: UnitOfWork, envelope: Envelope[AppealRedispatched]) -> None:
        e = envelope.data
        await self._apply(uow, repository.UNIT, e.appeal_id, e.unit_name, e.redispatched_at,
                          step=(e.appeal_id, "redispatched", e.redispatched_at))

    async def on_signed(self, uow: UnitOfWork, envelope: Envelope[AppealSigned]) -> None:
        e = envelope.data
        await self._apply(uow, repository.SIGNED, e.appeal_id, e.signed_at,
                          step=(e.appeal_id, "signed", e.signed_at))

    async def on_replied(self, uow: UnitOfWork, envelope: Envelope[AppealReplied]) -> None:
        e = envelope.data
        known = await repository.name_tags(uow.conn, e.appeal_id)
        reply = redact(e.reply, NameTags(frozenset(known)), self._key)
        await self._apply(uow, repository.REPLIED, e.appeal_id, e.unit_code, reply, e.outcome, e.replied_at,
                          step=(e.appeal_id, "replied", e.replied_at))

    async def on_closed(self, uow: UnitOfWork, envelope: Envelope[AppealClosed]) -> None:
        e = envelope.data
        await self._apply(uow, repository.CLOSED, e.appeal_id, e.closed_at,
                          step=(e.appeal_id, "closed", e.closed_at))

    async def on_reopened(self, uow: UnitOfWork, envelope: Envelope[AppealReopened]) -> None:
        e = envelope.data
        await self._apply(uow, repository.REOPENED, e.appeal_id, e.reopened_at,
                          step=(e.appeal_id, "reopened", e.reopened_at))

    async def on_deadline_set(self, uow: UnitOfWork, envelope: Envelope[DeadlineSet]) -> None:
        # The envelope time orders deadlines: an extension's DeadlineSet replaces the first one.
        e = envelope.data
        await self._apply(uow, repository.DEADLINE, e.appeal_id, e.due_at, envelope.time)

    async def on_deadline_stopped(self, uow: UnitOfWork, envelope: Envelope[DeadlineStopped]) -> None:
        e = envelope.data
        await self._apply(uow, repository.DEADLINE_STOPPED, e.appeal_id, e.met, e.stopped_at)

    async def on_evaluated(self, uow: UnitOfWork, envelope: Envelope[AppealEvaluated]) -> None:
        # Publication's own event read back from its topic: what makes a replay complete.
        e = envelope.data
        await self._apply(uow, repository.EVALUATED, e.appeal_id, e.satisfaction, e.solved, e.evaluated_at,
                          step=(e.appeal_id, "evaluated", e.evaluated_at))
