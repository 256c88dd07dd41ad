"""What a responsible unit is told, and in which words: ladder steps and supervision orders
become UnitNotified records on the unit-facing topic (keyed by the unit's code).

Pure: the notice id is derived from what it is about, so firing or relaying again yields the
same id and a unit's system can drop what it already has.
"""

import uuid
from datetime import datetime

from shared.contracts.events import (
    AppealOverdue,
    ReminderDue,
    SupervisionOrderIssued,
    SupervisionRaised,
    UnitNotified,
)
from shared.contracts.local_time import SHANGHAI

_NAMESPACE = uuid.UUID("6f1c2a8e-3b0d-4c55-9a51-12345a0b0c0d")
MODE_WORDS = {
    "online_tracking": "网上跟踪催办", "scheduling_meeting": "调度会督办", "joint_meeting": "联席会议督办",
    "leader_interview": "约谈单位负责人", "municipal_report": "报市领导督办",
}
LEVEL_WORDS = {1: "一级督办：已超过办理时限", 2: "二级督办：超期5个工作日，约谈单位负责人",
               3: "三级督办：超期10个工作日，报市领导"}


def notice_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join(str(p) for p in parts))


def ladder_notice(event: ReminderDue | AppealOverdue | SupervisionRaised, epoch: int, step: str) -> UnitNotified:
    """The unit's notice of one ladder step that fired (ReminderDue, AppealOverdue, SupervisionRaised)."""
    common = {"notice_id": notice_id(event.appeal_id, epoch, step), "unit_code": event.unit_code,
              "appeal_id": event.appeal_id}
    if isinstance(event, ReminderDue):
        return UnitNotified(**common, kind="reminder", due_at=event.due_at, at=event.reminded_at,
                            text=f"催办提醒：办理期限 {_local(event.due_at)} 即将到期，请抓紧办理并答复。")
    if isinstance(event, AppealOverdue):
        return UnitNotified(**common, kind="overdue", due_at=event.due_at, at=event.overdue_at,
                            text=f"超期通知：办理期限 {_local(event.due_at)} 已过，请立即办理并说明超期原因。")
    if isinstance(event, SupervisionRaised):
        return UnitNotified(**common, kind="supervision", level=event.level, at=event.raised_at,
                            text=LEVEL_WORDS.get(event.level, f"{event.level}级督办"))
    raise TypeError(f"no unit notice for {type(event).__name__}")


def order_notice(order: SupervisionOrderIssued) -> UnitNotified:
    return UnitNotified(
        notice_id=notice_id(order.order_id), unit_code=order.unit_code, appeal_id=order.appeal_id,
        kind="supervision_order", mode=order.mode, order_id=order.order_id, at=order.issued_at,
        text=f"督办单（{MODE_WORDS[order.mode]}）：{order.instructions}")


def order_id_for(action_id: str) -> uuid.UUID:
    """The supervisor's action id names the order: the same form sent twice is one order."""
    return notice_id("order", action_id)


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
