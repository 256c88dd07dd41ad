"""The transfer letter's state machine: every (state, action) pair is either allowed or refused."""

import itertools

import pytest

from services.routing.domain.letters import TRANSITIONS, Action, OutOfOrder, State, next_state

S, A = State, Action

# The whole table, written out: the expected next state, or None when the action is refused.
EXPECTED: dict[State, dict[Action, State | None]] = {
    S.AWAITING_OPERATOR: {A.DISPATCH: S.DISPATCHED},
    S.DISPATCHED: {A.SIGN: S.SIGNED, A.RETURN: S.RETURNED, A.CO_REPLY: S.DISPATCHED, A.ESCALATE: S.ESCALATED},
    S.SIGNED: {A.REQUEST_EXTENSION: S.SIGNED, A.CO_REPLY: S.SIGNED, A.REPLY: S.REPLIED},
    S.RETURNED: {A.REDISPATCH: S.DISPATCHED, A.UPHOLD: S.DISPATCHED, A.ESCALATE: S.ESCALATED},
    S.ESCALATED: {A.DISPATCH: S.DISPATCHED},
    S.REPLIED: {A.CLOSE: S.CLOSED, A.REOPEN: S.SIGNED},
    S.CLOSED: {},
}
PAIRS = list(itertools.product(State, Action))


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s.value}-{a.value}" for s, a in PAIRS])
def test_every_pair(state, action):
    expected = EXPECTED[state].get(action)
    if expected is None:
        with pytest.raises(OutOfOrder) as refused:
            next_state(state, action)
        assert refused.value.state is state and refused.value.action is action
        assert str(refused.value).startswith(f"cannot {action.value.replace('_', ' ')}: ")
    else:
        assert next_state(state, action) is expected
        assert next_state(state.value, action.value) is expected  # stored strings work too


def test_the_table_has_nothing_the_test_does_not_know():
    assert {(s, a): n for s, row in EXPECTED.items() for a, n in row.items()} == TRANSITIONS


@pytest.mark.parametrize(("state", "action", "says"), [
    (S.DISPATCHED, A.REPLY, "sign for the letter first"),
    (S.DISPATCHED, A.REQUEST_EXTENSION, "sign for the letter first"),
    (S.SIGNED, A.SIGN, "already signed"),
    (S.SIGNED, A.RETURN, "a signed letter cannot be returned"),
    (S.REPLIED, A.REPLY, "already replied"),
    (S.RETURNED, A.SIGN, "waits for the platform's review"),
    (S.CLOSED, A.REOPEN, "it is closed"),
])
def test_refusals_say_what_the_appeal_waits_for(state, action, says):
    with pytest.raises(OutOfOrder, match=says):
        next_state(state, action)


def test_the_happy_path_and_a_return():
    state = S.DISPATCHED
    for action in (A.RETURN, A.REDISPATCH, A.SIGN, A.REQUEST_EXTENSION, A.REPLY, A.REOPEN, A.REPLY, A.CLOSE):
        state = next_state(state, action)
    assert state is S.CLOSED


def test_unknown_words_are_not_states_or_actions():
    with pytest.raises(ValueError):
        next_state("lost", "sign")
    with pytest.raises(ValueError):
        next_state("signed", "approve")
