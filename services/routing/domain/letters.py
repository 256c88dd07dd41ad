"""The life of a transfer letter: which action may follow which, as one dense table.

A letter is dispatched to a lead unit, which signs for it (its time starts), then replies;
the petitioner's evaluation closes it or reopens it to the same unit. A unit that is not in
charge returns the letter before signing; the platform then re-dispatches it or upholds the
original unit. What the rules cannot place waits for an operator (queued or escalated).
Every pair (state, action) that is not in TRANSITIONS is refused with a reason that says
what has to happen first, and refusing changes nothing.
"""

from enum import StrEnum


class State(StrEnum):
    AWAITING_OPERATOR = "awaiting_operator"  # no rule covers it: the dispatch queue
    DISPATCHED = "dispatched"  # the letter is with the lead unit, not yet signed for
    SIGNED = "signed"  # the lead unit received it; its working days run
    RETURNED = "returned"  # the unit says it is not in charge; the platform reviews
    ESCALATED = "escalated"  # returned or bounced too often: an operator decides
    REPLIED = "replied"  # the lead unit answered (solved or explained)
    CLOSED = "closed"  # the petitioner's evaluation ended it


class Action(StrEnum):
    SIGN = "sign"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    REPLY = "reply"
    CO_REPLY = "co_reply"  # a co-handling unit's contribution to the lead unit
    REDISPATCH = "redispatch"  # operator review of a return: send it to another unit
    UPHOLD = "uphold"  # operator review of a return: the original unit stays in charge
    DISPATCH = "dispatch"  # operator's manual dispatch from the queue or an escalation
    ESCALATE = "escalate"  # the loop guard's verdict
    CLOSE = "close"
    REOPEN = "reopen"


S, A = State, Action

# The allowed moves. Anything else is out of order.
TRANSITIONS: dict[tuple[State, Action], State] = {
    (S.AWAITING_OPERATOR, A.DISPATCH): S.DISPATCHED,
    (S.ESCALATED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.SIGN): S.SIGNED,
    (S.DISPATCHED, A.RETURN): S.RETURNED,
    (S.DISPATCHED, A.CO_REPLY): S.DISPATCHED,
    (S.DISPATCHED, A.ESCALATE): S.ESCALATED,
    (S.SIGNED, A.REQUEST_EXTENSION): S.SIGNED,
    (S.SIGNED, A.CO_REPLY): S.SIGNED,
    (S.SIGNED, A.REPLY): S.REPLIED,
    (S.RETURNED, A.REDISPATCH): S.DISPATCHED,
    (S.RETURNED, A.UPHOLD): S.DISPATCHED,
    (S.RETURNED, A.ESCALATE): S.ESCALATED,
    (S.REPLIED, A.CLOSE): S.CLOSED,
    # Reopened to the same unit, which already holds the letter: it replies again.
    (S.REPLIED, A.REOPEN): S.SIGNED,
}

# Why an action is refused in a state: what the appeal is waiting for instead.
_WAITING_FOR: dict[State, str] = {
    S.AWAITING_OPERATOR: "it waits in the dispatch queue for an operator to dispatch it",
    S.DISPATCHED: "the lead unit has not signed for the letter yet",
    S.SIGNED: "the lead unit signed for it and has not replied yet",
    S.RETURNED: "it was returned and waits for the platform's review",
    S.ESCALATED: "it was escalated and waits for an operator to dispatch it",
    S.REPLIED: "the lead unit has already replied; it waits for the petitioner's evaluation",
    S.CLOSED: "it is closed",
}

_HINT: dict[tuple[State, Action], str] = {
    (S.DISPATCHED, A.REPLY): "sign for the letter first",
    (S.DISPATCHED, A.REQUEST_EXTENSION): "sign for the letter first",
    (S.SIGNED, A.SIGN): "it is already signed",
    (S.SIGNED, A.RETURN): "a signed letter cannot be returned",
    (S.REPLIED, A.REPLY): "it is already replied",
}


class OutOfOrder(Exception):
    """The action does not fit the letter's current state; nothing was changed."""

    def __init__(self, state: State, action: Action) -> None:
        self.state, self.action = state, action
        hint = _HINT.get((state, action))
        super().__init__(f"cannot {action.value.replace('_', ' ')}: {_WAITING_FOR[state]}"
                         + (f" ({hint})" if hint else ""))


def next_state(state: State | str, action: Action | str) -> State:
    """The state after `action`, or OutOfOrder when the action may not happen now."""
    state, action = State(state), Action(action)
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise OutOfOrder(state, action) from None


# States in which a unit holds the appeal: it appears in the unit's inbox.
HELD_BY_UNIT: frozenset[State] = frozenset({S.DISPATCHED, S.SIGNED, S.REPLIED})
# States the operators' dispatch queue shows.
OPERATOR_QUEUE: frozenset[State] = frozenset({S.AWAITING_OPERATOR, S.ESCALATED, S.RETURNED})
