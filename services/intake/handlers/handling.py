"""What intake learns from routing: whether an accepted appeal is still open, for 并单."""

from services.intake.adapters import repository
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealClosed, AppealReopened, AppealReplied
from shared.unit_of_work import UnitOfWork


async def on_replied(uow: UnitOfWork, envelope: Envelope[AppealReplied]) -> None:
    # A replied appeal is no longer open: the same complaint afterwards is a new appeal
    # (or the petitioner's dissatisfaction reopens the old one through routing).
    await repository.set_handling(uow.conn, envelope.data.appeal_id, "replied", envelope.data.replied_at)


async def on_closed(uow: UnitOfWork, envelope: Envelope[AppealClosed]) -> None:
    await repository.set_handling(uow.conn, envelope.data.appeal_id, "closed", envelope.data.closed_at)


async def on_reopened(uow: UnitOfWork, envelope: Envelope[AppealReopened]) -> None:
    await repository.set_handling(uow.conn, envelope.data.appeal_id, "open", envelope.data.reopened_at)
