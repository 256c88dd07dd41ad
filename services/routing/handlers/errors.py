"""Why a use case refused to act. Nothing changed; HTTP maps `status`, Kafka dead-letters the reason."""


class Refused(Exception):
    status = 409
    field: str | None = None

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class AppealNotFound(Refused):
    """Unknown appeal, or one the acting unit does not hold (its existence is not revealed)."""

    status = 404


class NotPermitted(Refused):
    """The unit holds the appeal, but not in the role the action needs."""

    status = 403


class InvalidRequest(Refused):
    """A named field is wrong (unknown unit code, bad directory edit)."""

    status = 422


class Conflict(Refused):
    """Out of order for the appeal's state, or an action id reused for another action."""

    status = 409
