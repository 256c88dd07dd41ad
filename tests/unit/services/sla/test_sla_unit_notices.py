"""Ladder steps and supervision orders become the unit's notices, with stable ids."""

import uuid
from datetime import UTC, datetime

from services.sla.domain.unit_notices import ladder_notice, order_id_for, order_notice
from shared.contracts.events import (
    AppealOverdue,
    ReminderDue,
    SupervisionOrderIssued,
    SupervisionRaised,
    UnitNotified,
)

APPEAL = uuid.UUID("00000000-0000-0000-0000-000000000001")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_each_ladder_step_is_a_notice_to_its_unit_keyed_by_the_unit():
    due = datetime(2026, 3, 6, 16, tzinfo=UTC)
    reminder = ladder_notice(ReminderDue(appeal_id=APPEAL, unit_code="SAMR", due_at=due, reminded_at=NOW), 1,
                             "reminder")
    overdue = ladder_notice(AppealOverdue(appeal_id=APPEAL, unit_code="SAMR", due_at=due, overdue_at=due), 1,
                            "overdue")
    raised = ladder_notice(SupervisionRaised(appeal_id=APPEAL, unit_code="SAMR", level=2, reason="r",
                                             raised_at=NOW), 1, "supervision_2")
    assert [n.kind for n in (reminder, overdue, raised)] == ["reminder", "overdue", "supervision"]
    assert all(isinstance(n, UnitNotified) and n.subject() == "SAMR" for n in (reminder, overdue, raised))
    assert raised.level == 2 and "约谈" in raised.text
    assert "2026-03-07 00:00" in reminder.text  # the due time as read in Shenyang
    assert UnitNotified.topic == "hotline.units.notices.v1"


def test_the_same_step_of_the_same_clock_has_the_same_notice_id_and_a_new_clock_a_new_one():
    event = ReminderDue(appeal_id=APPEAL, unit_code="SAMR", due_at=NOW, reminded_at=NOW)
    assert ladder_notice(event, 1, "reminder").notice_id == ladder_notice(event, 1, "reminder").notice_id
    assert ladder_notice(event, 1, "reminder").notice_id != ladder_notice(event, 2, "reminder").notice_id


def test_an_order_is_named_by_the_supervisors_action_id_and_told_to_the_unit():
    assert order_id_for("form-1") == order_id_for("form-1") != order_id_for("form-2")
    order = SupervisionOrderIssued(appeal_id=APPEAL, order_id=order_id_for("form-1"), unit_code="SAMR",
                                   mode="joint_meeting", instructions="请说明进展", issued_by="boss", issued_at=NOW)
    notice = order_notice(order)
    assert (notice.kind, notice.mode, notice.order_id) == ("supervision_order", "joint_meeting", order.order_id)
    assert "联席会议" in notice.text and "请说明进展" in notice.text
