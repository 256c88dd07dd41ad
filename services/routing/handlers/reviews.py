"""Operators' decisions: manual dispatch from the queue, review of a returned letter."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.routing.adapters import repository
from services.routing.adapters.directory_store import DirectoryCache
from services.routing.domain.guards import Trail, escalation_before_redispatch
from services.routing.domain.letters import Action, OutOfOrder, State, next_state
from shared.refusals import conflict, invalid, not_found
from services.routing.handlers.letters import MANUAL_RULE, UPHELD_RULE, send_again, send_first_letter, units_for
from shared.contracts.events import AppealEscalated
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Decision:
    state: str
    attempt: int
    unit_code: str | None
    escalation: str | None = None


async def _locked(uow: UnitOfWork, appeal_id: UUID, action: Action):
    transfer = await repository.lock_transfer(uow.conn, appeal_id)
    if transfer is None:
        raise not_found(f"no appeal {appeal_id}")
    try:
        next_state(transfer["state"], action)
    except OutOfOrder as wrong:
        raise conflict(str(wrong)) from None
    return transfer


async def dispatch_by_hand(uow: UnitOfWork, directories: DirectoryCache, *, appeal_id: UUID, unit_code: str,
                           co_unit_codes: tuple[str, ...], reason: str, by: str, now: datetime) -> Decision:
    """An operator dispatches a queued or escalated appeal; the loop guard does not apply to a person."""
    transfer = await _locked(uow, appeal_id, Action.DISPATCH)
    version, directory = await directories.current(uow.conn)
    lead, co = units_for(directory, unit_code, co_unit_codes)
    if not transfer["unit_trail"]:
        await send_first_letter(uow, transfer, lead, co, rule_id=MANUAL_RULE, reason=reason, sent_by=by,
                                now=now, version=version)
        return Decision("dispatched", 1, lead.code)
    attempt = await send_again(uow, transfer, lead, co, rule_id=MANUAL_RULE, reason=reason, sent_by=by,
                               now=now, version=version)
    return Decision("dispatched", attempt, lead.code)


async def review_return(uow: UnitOfWork, directories: DirectoryCache, *, appeal_id: UUID,
                        decision: Literal["redispatch", "uphold"], unit_code: str | None,
                        co_unit_codes: tuple[str, ...] | None, reason: str, by: str, now: datetime) -> Decision:
    """Re-dispatch a returned appeal to another unit, or uphold the original; escalate a loop instead."""
    action = Action.REDISPATCH if decision == "redispatch" else Action.UPHOLD
    transfer = await _locked(uow, appeal_id, action)
    version, directory = await directories.current(uow.conn)
    if action is Action.UPHOLD:
        if unit_code not in (None, transfer["unit_code"]):
            raise invalid("unit_code", "upholding keeps the original unit; re-dispatch to name another")
        target = transfer["unit_code"]
        co_codes = tuple(transfer["co_unit_codes"]) if co_unit_codes is None else co_unit_codes
    else:
        if unit_code is None:
            raise invalid("unit_code", "name the unit to re-dispatch to")
        if unit_code == transfer["unit_code"]:
            raise invalid("unit_code", f"{unit_code} returned it; to keep it there, uphold instead")
        target, co_codes = unit_code, co_unit_codes or ()
    lead, co = units_for(directory, target, co_codes)
    trail = Trail(tuple(transfer["unit_trail"]), tuple(transfer["returned_by"]), transfer["redispatches"])
    loop = escalation_before_redispatch(trail, lead.code, uphold=action is Action.UPHOLD)
    if loop is not None:
        await escalate(uow, transfer, loop, units=(*trail.units, lead.code), now=now)
        return Decision("escalated", transfer["attempt"], transfer["unit_code"], loop)
    rule = UPHELD_RULE if action is Action.UPHOLD else MANUAL_RULE
    attempt = await send_again(uow, transfer, lead, co, rule_id=rule, reason=reason, sent_by=by, now=now,
                               version=version)
    return Decision("dispatched", attempt, lead.code)


async def escalate(uow: UnitOfWork, transfer, reason: str, *, units: tuple[str, ...], now: datetime) -> None:
    """Stop the loop: the appeal goes to the operators' queue as escalated."""
    next_state(transfer["state"], Action.ESCALATE)
    await repository.update_transfer(uow.conn, transfer["appeal_id"], now, state=State.ESCALATED.value,
                                     waiting_reason=f"escalated: {reason}")
    uow.emit(AppealEscalated(appeal_id=transfer["appeal_id"], reason=reason,
                             units=tuple(dict.fromkeys(units)), escalated_at=now,
                             tracking_number=transfer["tracking_number"]))
