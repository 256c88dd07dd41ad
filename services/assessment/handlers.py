"""Assessment's use cases: count what each unit received."""

from services.assessment.adapters import repository
from services.assessment.domain.periods import period_of
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealDispatched
from shared.unit_of_work import UnitOfWork


async def on_dispatched(uow: UnitOfWork, envelope: Envelope[AppealDispatched]) -> None:
    letter = envelope.data
    await repository.record_received(uow.conn, letter.appeal_id, letter.unit_code,
                                     period_of(letter.dispatched_at), letter.dispatched_at)
