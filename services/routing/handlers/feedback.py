"""What other services tell routing: deadlines for the inbox, extension decisions, evaluations."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

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
        transfer = await _locked(uow, rating.appeal_id, "evaluation of unknown appeal")
        state = State(transfer["state"])
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
            next_state(state, action)
        except OutOfOrder as wrong:
            raise Rejected(f"evaluation refused: {wrong}") from None
        await _close_or_reopen(uow, transfer, action, self.clock.now(),
                               reason=f"petitioner {rating.satisfaction} and the problem unsolved; "
                                      f"back to {transfer['unit_code']}")

    async def on_return_call_decided(self, uow: UnitOfWork, envelope: Envelope[ReturnCallDecided]) -> None:
        """The centre's decision after a second dissatisfied rating: reopen, or close with its reason."""
        decided = envelope.data
        transfer = await _locked(uow, decided.appeal_id, "return-call decision on unknown appeal")
        if State(transfer["state"]) is not State.REPLIED:
            return  # decided already (a redelivery under a new id) or overtaken by events
        action = Action.REOPEN if decided.decision == "reopen" else Action.CLOSE
        await _close_or_reopen(uow, transfer, action, self.clock.now(), reason=f"return call by {decided.decided_by}: {decided.reason}")


async def _locked(uow: UnitOfWork, appeal_id: UUID, unknown: str) -> Mapping[str, Any]:
    """The appeal's transfer, locked; Rejected (to the dead letters) when routing never had it."""
    transfer = await repository.lock_transfer(uow.conn, appeal_id)
    if transfer is None:
        raise Rejected(f"{unknown} {appeal_id}")
    return dict(transfer)


async def _close_or_reopen(uow: UnitOfWork, transfer: Mapping[str, Any], action: Action, now: datetime,
                           *, reason: str) -> None:
    """Close a replied appeal, or reopen it to the same unit (replied_at cleared: a new reply is due)."""
    appeal_id, new_state = transfer["appeal_id"], next_state(State(transfer["state"]), action)
    if action is Action.CLOSE:
        await repository.update_transfer(uow.conn, appeal_id, now, state=new_state.value, closed_at=now)
        uow.emit(AppealClosed(appeal_id=appeal_id, closed_at=now))
        return
    await repository.update_transfer(uow.conn, appeal_id, now, state=new_state.value,
                                     reopened=transfer["reopened"] + 1, replied_at=None)
    uow.emit(AppealReopened(appeal_id=appeal_id, reopened_at=now, reason=reason))
