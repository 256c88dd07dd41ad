"""Intake forgot an appeal's petitioner: routing drops the contact it kept in clear.

Only transfers made from AppealAccepted events written before intake sealed contacts hold one
(transfers.contact); newer ones never had it. The transfer and its letters stay.
"""

from services.routing.adapters import repository
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealContactForgotten
from shared.unit_of_work import UnitOfWork


async def on_contact_forgotten(uow: UnitOfWork, envelope: Envelope[AppealContactForgotten]) -> None:
    await repository.forget_contact(uow.conn, envelope.data.appeal_id)
