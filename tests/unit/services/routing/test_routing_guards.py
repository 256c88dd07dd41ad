"""Authorisation by the letter's holders, and the loop guard."""

import pytest

from services.routing.domain.guards import (
    MAX_RETURNS,
    Holding,
    NotHolder,
    Trail,
    authorise,
    escalation_after_return,
    escalation_before_redispatch,
    unit_action_for_reply,
)
from services.routing.domain.letters import Action

HOLDING = Holding("PUBLIC-SECURITY", ("SAMR", "TAX"))
UNIT_ACTIONS = (Action.SIGN, Action.RETURN, Action.REQUEST_EXTENSION, Action.REPLY)


@pytest.mark.parametrize("action", UNIT_ACTIONS)
def test_the_lead_unit_may_do_every_lead_action(action):
    authorise(action, HOLDING, "PUBLIC-SECURITY")


@pytest.mark.parametrize("action", UNIT_ACTIONS)
def test_a_co_handling_unit_may_not_act_as_the_lead(action):
    with pytest.raises(NotHolder, match="only the lead unit"):
        authorise(action, HOLDING, "SAMR")


@pytest.mark.parametrize("action", (*UNIT_ACTIONS, Action.CO_REPLY))
def test_a_unit_not_on_the_letter_may_do_nothing(action):
    with pytest.raises(NotHolder, match="does not hold"):
        authorise(action, HOLDING, "HEALTH")


def test_only_co_handling_units_contribute_co_replies():
    authorise(Action.CO_REPLY, HOLDING, "TAX")
    with pytest.raises(NotHolder, match="only the co unit"):
        authorise(Action.CO_REPLY, HOLDING, "PUBLIC-SECURITY")


def test_operator_actions_are_not_unit_actions():
    with pytest.raises(ValueError):
        authorise(Action.REDISPATCH, HOLDING, "PUBLIC-SECURITY")


def test_a_reply_is_the_lead_units_answer_or_a_co_handlers_contribution():
    assert unit_action_for_reply(HOLDING, "PUBLIC-SECURITY") is Action.REPLY
    assert unit_action_for_reply(HOLDING, "SAMR") is Action.CO_REPLY
    assert unit_action_for_reply(HOLDING, "HEALTH") is Action.REPLY  # then refused by authorise
    assert unit_action_for_reply(Holding(None), "SAMR") is Action.REPLY


@pytest.mark.parametrize(("returned_by", "escalates"), [
    ((), False), (("A",), False), (("A", "B"), False), (("A", "B", "C"), True), (("A", "A", "A", "A"), True)])
def test_the_third_return_escalates(returned_by, escalates):
    reason = escalation_after_return(Trail(("A", "B", "C"), returned_by))
    assert (reason is not None) is escalates
    if escalates:
        assert f"returned {len(returned_by)} times" in reason and MAX_RETURNS == 3


def test_a_to_b_to_a_is_bouncing():
    trail = Trail(("A", "B"), returned_by=("A", "B"), redispatches=1)
    assert "A -> B -> A" in escalation_before_redispatch(trail, "A")
    assert escalation_before_redispatch(trail, "C") is None


def test_back_to_any_unit_that_returned_it_is_bouncing():
    trail = Trail(("A", "B"), returned_by=("A",), redispatches=1)
    assert escalation_before_redispatch(trail, "A") is not None


def test_sending_to_a_unit_that_never_returned_it_is_not_bouncing():
    assert escalation_before_redispatch(Trail(("A",), returned_by=("A",)), "B") is None


def test_upholding_is_not_a_bounce_but_counts_as_a_redispatch():
    assert escalation_before_redispatch(Trail(("A",), ("A",), 0), "A", uphold=True) is None
    assert escalation_before_redispatch(Trail(("A", "A"), ("A", "A"), 1), "A", uphold=True) is None
    assert "re-dispatch number 3" in escalation_before_redispatch(Trail(("A", "A", "A"), ("A", "A"), 2), "A",
                                                                  uphold=True)


def test_the_third_redispatch_escalates_wherever_it_goes():
    assert "re-dispatch number 3" in escalation_before_redispatch(Trail(("A", "B", "C"), ("A", "B"), 2), "D")
