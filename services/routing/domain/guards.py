"""Who may act on a letter, and when re-dispatching has to stop and a person decide."""

from dataclasses import dataclass

from services.routing.domain.letters import Action

MAX_RETURNS = 3  # the third return escalates instead of waiting for another review
MAX_REDISPATCHES = 3  # a third re-dispatch is not sent: it escalates


@dataclass(frozen=True)
class Holding:
    """The units a letter currently names."""

    lead: str | None
    co: tuple[str, ...] = ()

    def role_of(self, unit_code: str) -> str | None:
        if unit_code == self.lead:
            return "lead"
        if unit_code in self.co:
            return "co"
        return None


class NotHolder(Exception):
    """The unit is not named on the appeal's current letter (or not in the role the action needs)."""


# Which role on the letter an action needs: the lead unit answers, co-handlers contribute.
_ROLE_FOR: dict[Action, str] = {
    Action.SIGN: "lead",
    Action.RETURN: "lead",
    Action.REQUEST_EXTENSION: "lead",
    Action.REPLY: "lead",
    Action.CO_REPLY: "co",
}


def authorise(action: Action, holding: Holding, unit_code: str) -> None:
    """Refuse a unit action by a unit that does not hold the appeal in the needed role."""
    needed = _ROLE_FOR.get(action)
    if needed is None:
        raise ValueError(f"{action.value} is not a unit action")
    role = holding.role_of(unit_code)
    if role is None:
        raise NotHolder(f"unit {unit_code} does not hold this appeal")
    if role != needed:
        raise NotHolder(f"only the {needed} unit may {action.value.replace('_', ' ')}; {unit_code} is the {role} unit")


def unit_action_for_reply(holding: Holding, unit_code: str) -> Action:
    """A reply from the lead unit completes the appeal; from a co-handler it goes to the lead."""
    return Action.CO_REPLY if holding.role_of(unit_code) == "co" else Action.REPLY


@dataclass(frozen=True)
class Trail:
    """What the loop guard needs to know about an appeal's letters so far."""

    units: tuple[str, ...]  # lead unit of each letter, in order
    returned_by: tuple[str, ...] = ()  # units that returned it, in order
    redispatches: int = 0

    @property
    def returns(self) -> int:
        return len(self.returned_by)


def escalation_after_return(trail: Trail) -> str | None:
    """After a return is recorded: escalate when it is the third one."""
    if trail.returns >= MAX_RETURNS:
        return f"returned {trail.returns} times (by {', '.join(trail.returned_by)})"
    return None


def escalation_before_redispatch(trail: Trail, to_unit: str, *, uphold: bool = False) -> str | None:
    """Before sending the letter again to `to_unit`: escalate on a third re-dispatch or on bouncing.

    Bouncing: sending the appeal to a unit that has already returned it (A -> B -> A, or
    A -> B -> C -> A). Upholding the original unit is not a bounce - the platform refuses
    that unit's return - but it is a re-dispatch and counts towards the limit.
    """
    number = trail.redispatches + 1
    if number >= MAX_REDISPATCHES:
        return (f"would be re-dispatch number {number}; at most {MAX_REDISPATCHES - 1} are sent "
                "before an operator decides")
    if not uphold and to_unit in trail.returned_by:
        path = " -> ".join((*trail.units, to_unit))
        return f"bouncing between units: {path}; {to_unit} already returned it"
    return None
