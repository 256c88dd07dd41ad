"""The event types added on 2026-12-07: direct answers at intake (the centre's own work), return
calls after a second dissatisfied rating, and supervision orders (README "Definitions")."""

from datetime import timedelta
from uuid import uuid4

from assessment_builders import Appeal, at
from test_assessment_metrics import metrics
from test_assessment_scoring import DEFAULT, unit

from services.assessment.domain.appeals import judge
from services.assessment.domain.scoring import score_of
from services.assessment.domain.verdicts import EXCLUDED, contribution, rows_of


def replied_and_reworked(unit_code: str = "SAMR") -> Appeal:
    """Dissatisfied, reopened, reworked, dissatisfied again: the path to a return call."""
    return (Appeal().dispatched(unit_code, at(2)).signed(unit_code, at(2, 12)).replied(unit_code, at(5))
            .evaluated(at(6), "dissatisfied", solved=False).reopened(at(6, 12)).replied(unit_code, at(9))
            .evaluated(at(10), "dissatisfied", solved=False))


def test_an_appeal_answered_at_intake_counts_for_no_unit():
    answered = Appeal().answered_at_intake(at(3))
    verdict = judge(answered.id, answered.facts())
    assert verdict.excluded == "answered by the centre" and verdict.held is None
    assert rows_of(verdict) == []
    held = Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(2, 12))
    assert {u: m.received for u, m in metrics(answered, held).items()} == {"SAMR": 1}


def test_a_letter_sent_before_the_centre_answered_is_not_the_units_finding():
    # The answer closed the appeal at the centre: the letter is listed as excluded, not held.
    a = Appeal().dispatched("SAMR", at(2)).answered_at_intake(at(2, 11))
    rows = rows_of(judge(a.id, a.facts()))
    assert [(r.role, r.reason) for r in rows] == [(EXCLUDED, "answered by the centre")]
    assert all(contribution(r) == {} for r in rows)
    assert "SAMR" not in metrics(a) or metrics(a)["SAMR"].received == 0


def test_a_return_call_is_one_finding_of_the_letter_and_a_close_adds_none():
    closed = replied_and_reworked().return_call(at(10, 12)).return_call_decided(at(11), "close")
    m = metrics(closed)["SAMR"]
    assert (m.return_called, m.reopened_letters, m.completed) == (1, 1, 1)
    assert m.finding_rates["return_call"] == 1.0 and m.finding_rates["reopened"] == 1.0


def test_a_reopen_decided_after_the_return_call_adds_no_second_finding():
    # Routing turns the decision into AppealReopened: one more reopening, the same reopened letter.
    reopened = (replied_and_reworked().return_call(at(10, 12)).return_call_decided(at(11), "reopen")
                .reopened(at(11, 1)).replied("SAMR", at(13)))
    m = metrics(reopened)["SAMR"]
    assert (m.return_called, m.reopened, m.reopened_letters) == (1, 2, 1)


def test_a_return_call_delivered_twice_or_naming_another_unit_counts_once_or_not_at_all():
    twice = replied_and_reworked().return_call(at(10, 12))
    twice.events.append(twice.events[-1].model_copy())   # the same request again (a new event id)
    other = replied_and_reworked().return_call(at(10, 12), unit="WATER")
    m = metrics(twice, other)["SAMR"]
    assert m.return_called == 1 and m.finding_rates["return_call"] == 0.5


def test_a_return_call_before_the_holders_letter_is_the_earlier_units():
    a = (Appeal().dispatched("SAMR", at(2)).return_call(at(3)).redispatched("SAMR", "WATER", at(4))
         .replied("WATER", at(6)))
    found = metrics(a)
    assert found["WATER"].return_called == 0 and found["SAMR"].returned == 1


def test_a_supervision_order_is_one_finding_per_letter_however_many_orders():
    first, second = uuid4(), uuid4()
    a = (Appeal().dispatched("SAMR", at(2)).deadline("SAMR", at(10)).ordered("SAMR", at(6), order=first)
         .ordered("SAMR", at(7), "leader_interview", order=second).stopped("SAMR", at(9)))
    b = Appeal().dispatched("SAMR", at(2)).deadline("SAMR", at(10)).stopped("SAMR", at(9))
    m = metrics(a, b)["SAMR"]
    assert (m.supervision_ordered, m.ordered_unescalated, m.completion_decided) == (1, 1, 2)
    assert m.finding_rates["supervision_order"] == 0.5
    assert m.orders_unanswered == 1


def test_an_answered_order_is_not_unanswered_and_still_a_finding():
    order = uuid4()
    a = (Appeal().dispatched("SAMR", at(2)).ordered("SAMR", at(6), order=order)
         .order_answered("SAMR", order, at(7)).stopped("SAMR", at(9)))
    m = metrics(a)["SAMR"]
    assert (m.supervision_ordered, m.orders_unanswered, m.finding_rates["supervision_order"]) == (1, 0, 1.0)


def test_an_order_on_a_letter_escalated_to_level_2_is_not_counted_again():
    # Each letter once at its heaviest supervision: level 3, level 2, else an order.
    a = (Appeal().dispatched("SAMR", at(2)).overdue("SAMR", at(20)).supervised("SAMR", at(21), 2)
         .ordered("SAMR", at(22), "joint_meeting"))
    b = Appeal().dispatched("SAMR", at(2)).overdue("SAMR", at(20)).supervised("SAMR", at(21), 1).ordered("SAMR", at(22))
    m = metrics(a, b)["SAMR"]
    assert m.supervision_ordered == 2 and m.ordered_unescalated == 1
    findings = m.finding_rates
    assert (findings["escalation_level_2"], findings["supervision_order"]) == (0.5, 0.5)
    assert findings["escalation_level_2"] + findings["escalation_level_3"] + findings["supervision_order"] <= 1


def test_an_order_to_an_earlier_unit_is_not_the_holders():
    a = (Appeal().dispatched("SAMR", at(2)).ordered("SAMR", at(3)).redispatched("SAMR", "WATER", at(4))
         .stopped("WATER", at(9)))
    assert metrics(a)["WATER"].supervision_ordered == 0


def test_the_default_version_deducts_return_calls_and_orders_as_shares_of_decided_letters():
    # base 100; 2 of 10 decided letters ordered (10 points each), 1 of 10 replied letters return-called (5)
    m = unit(received=10, response_decided=10, signed_on_time=10, completion_decided=10, completed_on_time=10,
             completed=10, supervision_ordered=2, ordered_unescalated=2, return_called=1)
    card = score_of(m, DEFAULT)
    assert card.score == round(100 * (1 - (10 * 0.2 + 5 * 0.1) / 100), 2) == 97.5
    assert card.deductions == {"supervision_order": 2.0, "return_call": 0.5}


def test_late_answers_and_orders_count_in_the_month_of_the_letter():
    a = Appeal().dispatched("SAMR", at(30, 10)).ordered("SAMR", at(2, month=12) + timedelta(hours=1))
    assert metrics(a)["SAMR"].supervision_ordered == 1
    assert "SAMR" not in metrics(a, period="2026-12")
