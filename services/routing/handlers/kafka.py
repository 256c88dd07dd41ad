"""Units' actions arriving on hotline.units.actions.v1: refused ones are dead-lettered with the
reason (the consumer parks a `shared.refusals.Refused` with its kind and words)."""

from services.routing.handlers.unit_actions import act
from shared.clock import Clock
from shared.contracts.envelope import Envelope
from shared.contracts.events import UnitAction
from shared.unit_of_work import UnitOfWork


class UnitActionConsumer:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def on_action(self, uow: UnitOfWork, envelope: Envelope[UnitAction]) -> None:
        await act(uow, envelope.data, self.clock.now())
