"""What other services tell routing: deadlines for the inbox, extension decisions, evaluations."""

from collections.abc import Sequence

from services.routing.adapters import repository
from services.routing.domain.letters import Action, OutOfOrder, State, next_state
from shared.clock import Clock
from shared.consumer import Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import (
    AppealClosed,
    AppealEvaluated,
    AppealReopened,
    DeadlineSet,
    DeadlineStopped,
    ExtensionDecided,
    ReturnCallDecided,
)
from shared.unit_of_work import UnitOfWork


async def on_deadlines_set(uow: UnitOfWork, envelopes: Sequence[Envelope[DeadlineSet]]) -> None:
    """The units' inboxes show each appeal's running deadline; a run is one upsert."""
    await repository.upsert_deadlines(uow.conn, [e.data for e in envelopes])


async def on_deadline_stopped(uow: UnitOfWork, envelope: Envelope[DeadlineStopped]) -> None:
    d = envelope.data
    await repository.stop_deadline(uow.conn, appeal_id=d.appeal_id, unit_code=d.unit_code, due_at=d.due_at,
                                   stopped_at=d.stopped_at, met=d.met)


async def on_extension_decided(uow: UnitOfWork, envelope: Envelope[ExtensionDecided]) -> None:
    await repository.decide_extension(uow.conn, envelope.data.appeal_id, envelope.data.approved)


class Evaluations:
    """A satisfied (or solved) rating closes the appeal; dissatisfied and unsolved reopens it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def on_evaluated(self, uow: UnitOfWork, envelope: Envelope[AppealEvaluated]) -> None:
        rating = envelope.data
        transfer = await repository.lock_transfer(uow.conn, rating.appeal_id)
        if transfer is None:
            raise Rejected(f"evaluation of unknown appeal {rating.appeal_id}")
        state, now = State(transfer["state"]), self.clock.now()
        if rating.return_call:
            # Dissatisfied again after a reopening: the centre calls back and decides
            # (ReturnCallDecided); the appeal stays replied until then.
            return
        action = Action.REOPEN if rating.reopen_requested else Action.CLOSE
        if state is not State.REPLIED:
            # The same rating delivered again under a new event id: its effect is already there.
            if action is Action.CLOSE and state is State.CLOSED:
                return
            if action is Action.REOPEN and transfer["reopened"] > 0 and state is State.SIGNED:
                return
        try:
            new_state = next_state(state, action)
        except OutOfOrder as wrong:
            raise Rejected(f"evaluation refused: {wrong}") from None
        if action is Action.CLOSE:
            await repository.update_transfer(uow.conn, rating.appeal_id, now, state=new_state.value, closed_at=now)
            uow.emit(AppealClosed(appeal_id=rating.appeal_id, closed_at=now))
            return
        await repository.update_transfer(uow.conn, rating.appeal_id, now, state=new_state.value,
                                         reopened=transfer["reopened"] + 1, replied_at=None)
        uow.emit(AppealReopened(appeal_id=rating.appeal_id, reopened_at=now,
                                reason=f"petitioner {rating.satisfaction} and the problem unsolved; "
                                       f"back to {transfer['unit_code']}"))

    async def on_return_call_decided(self, uow: UnitOfWork, envelope: Envelope[ReturnCallDecided]) -> None:
        """The centre's decision after a second dissatisfied rating: reopen, or close with its reason."""
        decided = envelope.data
        transfer = await repository.lock_transfer(uow.conn, decided.appeal_id)
        if transfer is None:
            raise Rejected(f"return-call decision on unknown appeal {decided.appeal_id}")
        state, now = State(transfer["state"]), self.clock.now()
        action = Action.REOPEN if decided.decision == "reopen" else Action.CLOSE
        if state is not State.REPLIED:
            return  # decided already (a redelivery under a new id) or overtaken by events
        new_state = next_state(state, action)
        if action is Action.CLOSE:
            await repository.update_transfer(uow.conn, decided.appeal_id, now, state=new_state.value, closed_at=now)
            uow.emit(AppealClosed(appeal_id=decided.appeal_id, closed_at=now))
            return
        await repository.update_transfer(uow.conn, decided.appeal_id, now, state=new_state.value,
                                         reopened=transfer["reopened"] + 1, replied_at=None)
        uow.emit(AppealReopened(appeal_id=decided.appeal_id, reopened_at=now,
                                reason=f"return call by {decided.decided_by}: {decided.reason}"))
