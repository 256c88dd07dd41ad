"""The public read model, built only from events, tolerant of any arrival order.

Each event fills in its own columns and its timeline step (domain/read_model.py). Texts are
redacted here, before anything is written: the appeal text with the petitioner's name (known
from AppealAccepted) and the patterns; a reply with the patterns and the name's keyed hashes
(the name itself is never stored). A reply that arrives before the acceptance is redacted
again once the name's hashes are known; until then the row is not public, because privacy is
not known yet.

The projection is a batch handler: the consumer hands it a run of events (a whole Kafka
batch). The run's rows are read (and locked) in one query, the events change them in memory
one after another, and rows, steps, feed entries and Open311 tokens are then written with one
statement each. Applying a run and applying its events one at a time leave the same rows,
timeline and tokens.

The public hears once per appeal per run: its view after the run's last event, if that differs
from what it last heard. A view is the appeal's whole public state, so a view superseded inside
the run tells no one anything the next does not (the timeline keeps every step), as a compacted
topic or Kafka Streams' record cache would drop it. In a burst, when acceptance, dispatch and
deadline of an appeal arrive in one run, that is one public event instead of three, and a third
of the feed rows, outbox rows and records for every reader of `hotline.public.v1`. Views are
emitted in the order of each appeal's last event in the run.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from services.publication.adapters import open311 as open311_store
from services.publication.adapters import repository
from services.publication.domain import read_model
from services.publication.domain.row import STEP_COLUMNS, PublicRow, StepColumn
from services.publication.domain.redaction import NameTags, PlainNames, redact
from services.publication.handlers.publishing import publish, settle
from shared.contracts.envelope import Envelope
from shared.contracts.events import (
    AppealAccepted,
    AppealAnsweredAtIntake,
    AppealClosed,
    AppealContactForgotten,
    AppealDispatched,
    AppealEvaluated,
    AppealReclassified,
    AppealRedispatched,
    AppealReopened,
    AppealReplied,
    AppealReturned,
    AppealSigned,
    DeadlineSet,
    DeadlineStopped,
    PublicAppealUpdated,
)
from shared.unit_of_work import UnitOfWork


# Answers at intake are the 12345 centre's own work (the directory's level-1 unit).
CENTRE_CODE, CENTRE_NAME = "CENTRE-12345", "沈阳市12345政务服务便民热线管理中心"


@dataclass
class _Writes:
    """What a run writes besides the rows, in the order its events asked for it."""

    steps: list[tuple[UUID, str, datetime]] = field(default_factory=list)
    # channel_message_id -> tracking number; the first acceptance naming a submission wins,
    # as the token's `tracking_number IS NULL` guard makes it win across runs.
    submissions: dict[str, str] = field(default_factory=dict)
    views: list[PublicAppealUpdated] = field(default_factory=list)

    def step(self, appeal_id: UUID, name: str, at: datetime) -> None:
        self.steps.append((appeal_id, name, at))


Rule = Callable[[PublicRow, Envelope, _Writes], None]
# Events that mark a timeline step: the step's name; the event's field and the row's column
# are both "<step>_at" (AppealSigned.signed_at -> signed_at).
_STEPS: dict[type, str] = {
    AppealDispatched: "dispatched", AppealRedispatched: "redispatched", AppealSigned: "signed",
    AppealReturned: "returned", AppealClosed: "closed", AppealReopened: "reopened",
}

# The steps known only by their time, and their column.
_STEP_COLUMNS: dict[str, StepColumn] = {column.removesuffix("_at"): column for column in STEP_COLUMNS}


class Projection:
    def __init__(self, pepper: bytes):
        self._key = pepper  # keys the name hashes; the same secret as the inquiry-code pepper
        self._rules: dict[type, Rule] = {
            AppealAccepted: self._accepted,
            AppealAnsweredAtIntake: self._answered_at_intake,
            AppealReclassified: self._reclassified,
            AppealDispatched: self._assigned,
            AppealRedispatched: self._assigned,
            AppealSigned: self._timed_step,
            AppealReturned: self._timed_step,
            AppealReplied: self._replied,
            AppealClosed: self._timed_step,
            AppealReopened: self._timed_step,
            DeadlineSet: self._deadline_set,
            DeadlineStopped: self._deadline_stopped,
            AppealEvaluated: self._evaluated,
            AppealContactForgotten: self._contact_forgotten,
        }

    @property
    def consumed(self) -> tuple[type, ...]:
        return tuple(self._rules)

    async def apply(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        """Apply a run of events in their order: one read, then one write per table."""
        stored = await repository.lock_rows(uow.conn, {e.data.appeal_id for e in envelopes})
        rows = {appeal_id: row.copy() for appeal_id, row in stored.items()}  # `stored` tells what changed
        writes = _Writes()
        touched: dict[UUID, None] = {}  # appeals in the order of their last event in the run
        for envelope in envelopes:
            appeal_id = envelope.data.appeal_id
            row = rows.setdefault(appeal_id, read_model.new_row(appeal_id))
            self._rules[type(envelope.data)](row, envelope, writes)
            touched.pop(appeal_id, None)
            touched[appeal_id] = None
        for appeal_id in touched:
            view = settle(rows[appeal_id])
            if view is not None:
                writes.views.append(view)
        await repository.save(uow.conn, [row for appeal_id, row in rows.items() if row != stored.get(appeal_id)])
        await repository.add_steps(uow.conn, writes.steps)
        await open311_store.resolve(uow.conn, writes.submissions)
        await publish(uow, writes.views)

    def _names(self, appeal: AppealAccepted | AppealAnsweredAtIntake) -> tuple[NameTags | PlainNames, NameTags]:
        """What finds the name in the appeal text, and the tags kept for later replies. Intake
        seals the contact and sends the name's tags instead: the name is never seen here."""
        if appeal.contact is None:
            tags = NameTags(frozenset(appeal.name_tags))
            return tags, tags
        given = [appeal.contact.name]  # an event from before sealing
        return PlainNames.of(given), NameTags.of(given, self._key)

    def _accept(self, row: PublicRow, appeal: AppealAccepted | AppealAnsweredAtIntake, accepted_at: datetime,
                ) -> tuple[NameTags | PlainNames, NameTags]:
        """Fill in the accepted appeal, its text redacted with the petitioner's name."""
        names, tags = self._names(appeal)  # tags: for later replies
        read_model.accept(
            row, tracking_number=appeal.tracking_number, appeal_type=appeal.appeal_type.value,
            category=appeal.category, district=appeal.district, private=appeal.private,
            accepted_at=accepted_at, summary=redact(appeal.description, names, self._key),
            name_tags=sorted(tags.tags), inquiry_code_hash=appeal.inquiry_code_hash)
        return names, tags

    def _accepted(self, row: PublicRow, envelope: Envelope[AppealAccepted], writes: _Writes) -> None:
        appeal = envelope.data
        names, tags = self._accept(row, appeal, appeal.accepted_at)
        if row["reply"] is not None and tags.tags:
            row["reply"] = redact(row["reply"], names, self._key)
        writes.step(appeal.appeal_id, "accepted", appeal.accepted_at)
        # An Open311 token resolves to its service_request_id once acceptance names the submission.
        if appeal.channel_message_id:
            writes.submissions.setdefault(appeal.channel_message_id, appeal.tracking_number)

    def _answered_at_intake(self, row: PublicRow, envelope: Envelope[AppealAnsweredAtIntake], writes: _Writes) -> None:
        """直接办结: the centre answered from its knowledge base; the public record shows the answer."""
        appeal = envelope.data
        self._accept(row, appeal, appeal.received_at)
        read_model.assign_unit(row, unit_name=CENTRE_NAME, at=appeal.answered_at)
        read_model.record_reply(row, unit_code=CENTRE_CODE, reply=appeal.answer, outcome="explained",
                                replied_at=appeal.answered_at)
        read_model.record_step(row, "closed_at", appeal.answered_at)
        writes.step(appeal.appeal_id, "accepted", appeal.received_at)
        writes.step(appeal.appeal_id, "answered_at_intake", appeal.answered_at)
        if appeal.channel_message_id:
            writes.submissions.setdefault(appeal.channel_message_id, appeal.tracking_number)

    def _contact_forgotten(self, row: PublicRow, envelope: Envelope[AppealContactForgotten], writes: _Writes) -> None:
        # Texts stored so far stay as redacted; a reply after this is redacted by the patterns only.
        read_model.forget_name(row)

    def _reclassified(self, row: PublicRow, envelope: Envelope[AppealReclassified], writes: _Writes) -> None:
        e = envelope.data
        read_model.reclassify(row, appeal_type=e.appeal_type.value, category=e.category, district=e.district,
                              reclassified_at=e.reclassified_at)

    def _assigned(self, row: PublicRow, envelope: Envelope[AppealDispatched | AppealRedispatched], writes: _Writes) -> None:
        e = envelope.data
        step = _STEPS[type(e)]
        at = getattr(e, f"{step}_at")
        read_model.assign_unit(row, unit_name=e.unit_name, at=at)
        writes.step(e.appeal_id, step, at)

    def _timed_step(self, row: PublicRow, envelope: Envelope, writes: _Writes) -> None:
        # A returned letter's reason stays out: a unit's note to the centre, not for the public.
        e = envelope.data
        step = _STEPS[type(e)]
        at = getattr(e, f"{step}_at")
        read_model.record_step(row, _STEP_COLUMNS[step], at)
        writes.step(e.appeal_id, step, at)

    def _replied(self, row: PublicRow, envelope: Envelope[AppealReplied], writes: _Writes) -> None:
        e = envelope.data
        # The name's hashes as far as this run has got: an acceptance earlier in it counts.
        reply = redact(e.reply, NameTags(frozenset(row["name_tags"])), self._key)
        read_model.record_reply(row, unit_code=e.unit_code, reply=reply, outcome=e.outcome, replied_at=e.replied_at)
        writes.step(e.appeal_id, "replied", e.replied_at)

    def _deadline_set(self, row: PublicRow, envelope: Envelope[DeadlineSet], writes: _Writes) -> None:
        # Ordered by the envelope's time: an extension's DeadlineSet replaces the first one.
        read_model.set_deadline(row, expected_at=envelope.data.due_at, event_at=envelope.time)

    def _deadline_stopped(self, row: PublicRow, envelope: Envelope[DeadlineStopped], writes: _Writes) -> None:
        e = envelope.data
        read_model.stop_deadline(row, met=e.met, stopped_at=e.stopped_at)

    def _evaluated(self, row: PublicRow, envelope: Envelope[AppealEvaluated], writes: _Writes) -> None:
        # Publication's own event read back from its topic: what makes a replay complete.
        e = envelope.data
        read_model.record_evaluation(row, satisfaction=e.satisfaction, solved=e.solved, evaluated_at=e.evaluated_at)
        writes.step(e.appeal_id, "evaluated", e.evaluated_at)
