"""Supervision orders (督办单): a supervisor issues one to the unit holding an appeal; the unit
answers it. Each is an event on sla's topic and a notice on the unit-facing topic, written with
the order in one transaction (outbox)."""

from datetime import datetime
from uuid import UUID

from services.sla.adapters import orders as store
from services.sla.domain.unit_notices import order_id_for, order_notice
from shared.contracts.events import SupervisionOrderAnswered, SupervisionOrderIssued
from shared.refusals import conflict, not_found
from shared.unit_of_work import UnitOfWork


async def issue_order(uow: UnitOfWork, *, action_id: str, appeal_id: UUID, mode: str, instructions: str,
                      issued_by: str, now: datetime) -> tuple[dict, bool]:
    """The order (new, or the one this action id issued before) and whether it is new."""
    order_id = order_id_for(action_id)
    earlier = await store.order(uow.conn, order_id)
    if earlier is not None:
        if earlier["appeal_id"] != appeal_id:
            raise conflict("this action id issued an order for another appeal")
        return dict(earlier), False
    deadline = await store.open_deadline(uow.conn, appeal_id)
    if deadline is None or deadline["state"] in ("stopped", "returned"):  # a returned letter: not the unit's
        raise conflict("no open deadline for this appeal: nothing to supervise")
    order = {"order_id": order_id, "appeal_id": appeal_id, "unit_code": deadline["unit_code"], "mode": mode,
             "instructions": instructions, "issued_by": issued_by, "issued_at": now}
    event = SupervisionOrderIssued(**order)  # checks the words before anything is stored
    await store.insert_order(uow.conn, order)
    uow.emit(event, time=now)
    uow.emit(order_notice(event), time=now)
    return order, True


async def answer_order(uow: UnitOfWork, *, order_id: UUID, unit_code: str, action_id: str, answer: str,
                       answered_by: str, now: datetime) -> tuple[dict, bool]:
    order = await store.order(uow.conn, order_id, lock=True)
    if order is None or order["unit_code"] != unit_code:
        raise not_found("no such supervision order for this unit")  # others' orders stay unknown
    if order["answered_at"] is not None:
        if order["answer_action_id"] == action_id:
            return dict(order), False  # the same answer sent again
        raise conflict("this supervision order has been answered already")
    event = SupervisionOrderAnswered(appeal_id=order["appeal_id"], order_id=order_id, unit_code=unit_code,
                                     answer=answer, answered_by=answered_by, answered_at=now)
    await store.record_answer(uow.conn, order_id, event.answer, answered_by, now, action_id)
    uow.emit(event, time=now)
    return {**dict(order), "answer": event.answer, "answered_by": answered_by, "answered_at": now}, True
