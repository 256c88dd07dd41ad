"""A supervisor approves or refuses a unit's pending extension request."""

from uuid import UUID

from services.sla.adapters import extensions, repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain.rules import Rules
from services.sla.handlers.deadline_events import deadline_set
from shared.clock import Clock
from shared.contracts.events import ExtensionDecided
from shared.refusals import conflict, not_found
from shared.unit_of_work import UnitOfWork


async def decide_extension(uow: UnitOfWork, rules: Rules, calendars: CalendarCache, clock: Clock, *,
                           extension_id: UUID, approved: bool, reason: str, decided_by: str) -> dict:
    """Approval moves the deadline by the requested working days (DeadlineSet reason extended).

    Refused: not_found for an unknown request; conflict when it is decided already or the clock
    for that unit has stopped."""
    request = await extensions.lock(uow.conn, extension_id)
    if request is None:
        raise not_found("no such extension request")
    if request["status"] != "pending":
        raise conflict(f"the request is already {request['status']}")
    row = await repository.lock(uow.conn, request["appeal_id"])
    if row is None or row["state"] not in state.RUNNING or row["unit_code"] != request["unit_code"]:
        raise conflict("the appeal's clock for that unit is no longer running")
    now = clock.now()
    await extensions.decide(uow.conn, extension_id, "approved" if approved else "refused", decided_by, now, reason)
    uow.emit(ExtensionDecided(appeal_id=row["appeal_id"], unit_code=row["unit_code"], approved=approved,
                              working_days=request["working_days"] if approved else 0, reason=reason,
                              decided_by=decided_by, decided_at=now), time=now)
    if approved:
        previous = row["due_at"]
        state.extend(row, request["working_days"])
        state.recompute(row, await calendars.current(uow.conn), rules, now)
        await repository.save(uow.conn, row)
        uow.emit(deadline_set(row, "extended", previous), time=now)
    return {**request, "status": "approved" if approved else "refused", "decided_by": decided_by,
            "decided_at": now, "decision_reason": reason, "due_at": row["due_at"]}
