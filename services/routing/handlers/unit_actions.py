"""Responsible units' actions on their letters, the same over Kafka and HTTP.

Order of checks, each refusing without a change: the appeal exists; the action id was not
applied already (if it was, the earlier result stands); the unit holds the appeal in the
role the action needs; the action fits the letter's state. The appeal row is locked first,
so two deliveries of one action cannot both pass the checks.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.routing.adapters import repository
from services.routing.domain.guards import (
    Holding,
    NotHolder,
    Trail,
    authorise,
    escalation_after_return,
    unit_action_for_reply,
)
from services.routing.domain.letters import Action, OutOfOrder, next_state
from services.routing.handlers.reviews import escalate
from shared.contracts.events import (
    AppealReplied,
    AppealReturned,
    AppealSigned,
    CoHandlerReplied,
    ExtensionRequested,
    ReplyToAppeal,
    RequestExtension,
    ReturnAppeal,
    SignAppeal,
    UnitAction,
)
from shared.refusals import conflict, forbidden, not_found
from shared.unit_of_work import UnitOfWork

_ACTION_OF = {SignAppeal: Action.SIGN, ReturnAppeal: Action.RETURN, RequestExtension: Action.REQUEST_EXTENSION,
              ReplyToAppeal: Action.REPLY}


@dataclass(frozen=True)
class Outcome:
    action: str
    state: str
    replayed: bool = False  # the same action id was applied before; nothing changed now
    escalation: str | None = None


async def act(uow: UnitOfWork, command: UnitAction, now: datetime) -> Outcome:
    conn, unit = uow.conn, command.unit_code
    transfer = await repository.lock_transfer(conn, command.appeal_id)
    if transfer is None:
        raise not_found(f"no such appeal for unit {unit}")
    holding = Holding(transfer["unit_code"], tuple(transfer["co_unit_codes"]))
    action = unit_action_for_reply(holding, unit) if isinstance(command, ReplyToAppeal) else _ACTION_OF[type(command)]
    earlier = await repository.applied_action(conn, unit, command.action_id)
    if earlier is not None:
        if earlier["appeal_id"] != command.appeal_id or earlier["action"] != action.value:
            raise conflict(f"action_id {command.action_id!r} was already used by {unit} for another action")
        return Outcome(action.value, transfer["state"], replayed=True)
    if holding.role_of(unit) is None:
        raise not_found(f"no such appeal for unit {unit}")
    try:
        authorise(action, holding, unit)
    except NotHolder as wrong_role:
        raise forbidden(str(wrong_role)) from None
    try:
        state = next_state(transfer["state"], action)
    except OutOfOrder as wrong:
        raise conflict(str(wrong)) from None
    escalation = await _APPLY[action](uow, transfer, command, now)
    await repository.record_action(conn, unit_code=unit, action_id=command.action_id,
                                   appeal_id=command.appeal_id, action=action.value, applied_at=now)
    return Outcome(action.value, "escalated" if escalation else state.value, escalation=escalation)


async def _sign(uow: UnitOfWork, transfer, command: SignAppeal, now: datetime) -> None:
    await repository.update_transfer(uow.conn, transfer["appeal_id"], now, state="signed", signed_at=now)
    await repository.mark_letter(uow.conn, transfer["appeal_id"], transfer["attempt"], signed_at=now)
    uow.emit(AppealSigned(appeal_id=transfer["appeal_id"], unit_code=command.unit_code, signed_at=now))


async def _return(uow: UnitOfWork, transfer, command: ReturnAppeal, now: datetime) -> str | None:
    appeal_id = transfer["appeal_id"]
    returned_by = [*transfer["returned_by"], command.unit_code]
    await repository.update_transfer(uow.conn, appeal_id, now, returned_by=returned_by)
    await repository.mark_letter(uow.conn, appeal_id, transfer["attempt"], returned_at=now,
                                 return_reason=command.reason)
    uow.emit(AppealReturned(appeal_id=appeal_id, unit_code=command.unit_code, reason=command.reason,
                            returned_at=now))
    trail = Trail(tuple(transfer["unit_trail"]), tuple(returned_by), transfer["redispatches"])
    loop = escalation_after_return(trail)
    if loop is not None:
        await escalate(uow, transfer, loop, units=trail.units, now=now)
        return loop
    await repository.update_transfer(uow.conn, appeal_id, now, state="returned",
                                     waiting_reason=f"returned by {command.unit_code}: {command.reason}")
    return None


async def _request_extension(uow: UnitOfWork, transfer, command: RequestExtension, now: datetime) -> None:
    if await repository.pending_extension(uow.conn, transfer["appeal_id"]) is not None:
        raise conflict("an extension request for this appeal is already waiting for a decision")
    await repository.insert_extension_request(uow.conn, transfer["appeal_id"], command.unit_code,
                                              command.working_days, command.reason, now)
    uow.emit(ExtensionRequested(appeal_id=transfer["appeal_id"], unit_code=command.unit_code,
                                working_days=command.working_days, reason=command.reason, requested_at=now))


async def _reply(uow: UnitOfWork, transfer, command: ReplyToAppeal, now: datetime) -> None:
    await repository.update_transfer(uow.conn, transfer["appeal_id"], now, state="replied", replied_at=now,
                                     reply=command.reply, outcome=command.outcome)
    uow.emit(AppealReplied(appeal_id=transfer["appeal_id"], unit_code=command.unit_code, reply=command.reply,
                           outcome=command.outcome, replied_at=now))


async def _co_reply(uow: UnitOfWork, transfer, command: ReplyToAppeal, now: datetime) -> None:
    await repository.insert_co_reply(uow.conn, transfer["appeal_id"], command.unit_code, command.reply, now)
    uow.emit(CoHandlerReplied(appeal_id=transfer["appeal_id"], unit_code=command.unit_code,
                              lead_unit_code=transfer["unit_code"], reply=command.reply, replied_at=now))


# Each takes (uow, transfer, its own command type, now); returns the escalation, if any.
_APPLY: dict[Action, Callable[..., Awaitable[Any]]] = {Action.SIGN: _sign, Action.RETURN: _return, Action.REQUEST_EXTENSION: _request_extension,
          Action.REPLY: _reply, Action.CO_REPLY: _co_reply}
