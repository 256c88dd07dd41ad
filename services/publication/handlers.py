"""Publication's use cases: keep the public read model and the public feed up to date.

Each event fills in its part of the row whatever order the topics deliver in; the feed
gets a PublicAppealUpdated only for rows that intake said may be disclosed.
"""

from services.publication.adapters import repository
from services.publication.domain.disclosure import may_disclose
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, AppealDispatched, DeadlineSet, PublicAppealUpdated
from shared.unit_of_work import UnitOfWork


def _publish(uow: UnitOfWork, view: dict | None) -> None:
    if view is not None:
        uow.emit(PublicAppealUpdated(**view))


async def on_accepted(uow: UnitOfWork, envelope: Envelope[AppealAccepted]) -> None:
    appeal = envelope.data
    _publish(uow, await repository.record_accepted(
        uow.conn, appeal.appeal_id, appeal.tracking_number, appeal.appeal_type.value,
        appeal.category, appeal.district, not may_disclose(appeal), appeal.accepted_at))


async def on_dispatched(uow: UnitOfWork, envelope: Envelope[AppealDispatched]) -> None:
    letter = envelope.data
    _publish(uow, await repository.record_dispatched(uow.conn, letter.appeal_id, letter.unit_name,
                                                     letter.dispatched_at))


async def on_deadline_set(uow: UnitOfWork, envelope: Envelope[DeadlineSet]) -> None:
    deadline = envelope.data
    _publish(uow, await repository.record_expected(uow.conn, deadline.appeal_id, deadline.due_at,
                                                   envelope.time))
