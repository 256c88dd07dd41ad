"""Why a use case refused to act, in the domain's words; nothing was changed.

Domain and handler code raise `Refused(kind, reason, field=...)` and know nothing of HTTP or
Kafka. The edges translate it once: shared/http.py answers 404 / 409 / 403 / 422 with the
reason (and the field), and the consumer (shared/consumer.py) dead-letters the event with
the same words. A refusal is final for its input: sending it again is refused again, so a
consumer parks the event rather than reading it again.
"""

from enum import StrEnum


class Refusal(StrEnum):
    """The small closed set of reasons a use case can refuse for."""

    NOT_FOUND = "not_found"  # unknown, or not visible to the one asking (its existence is not revealed)
    FORBIDDEN = "forbidden"  # visible to the one asking, but not theirs to act on in this role
    INVALID = "invalid"  # a named field is wrong as sent
    CONFLICT = "conflict"  # out of order for the current state, or an id reused for something else
    TOO_EARLY = "too_early"  # right in itself, but not yet (a month that has not ended)


class Refused(Exception):
    """A use case's refusal: `kind` says which, `reason` says why in words for people,
    `field` names the input at fault when one is (``"unit_code"``, ``"petitioner.phone"``)."""

    def __init__(self, kind: Refusal, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.field = field

    def __str__(self) -> str:
        return self.reason

    def describe(self) -> str:
        """One line for a dead letter or a log: ``conflict: ...``, ``invalid (category): ...``."""
        where = f" ({self.field})" if self.field else ""
        return f"{self.kind.value}{where}: {self.reason}"


class Invalid(Refused):
    """A named field is wrong as sent; domain rules subclass it for their own checks."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(Refusal.INVALID, reason, field=field)

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def not_found(reason: str, *, field: str | None = None) -> Refused:
    return Refused(Refusal.NOT_FOUND, reason, field=field)


def forbidden(reason: str, *, field: str | None = None) -> Refused:
    return Refused(Refusal.FORBIDDEN, reason, field=field)


def invalid(field: str, reason: str) -> Refused:
    """A field that can never be right as sent (the field first, as the 422 body lists it)."""
    return Invalid(field, reason)


def conflict(reason: str, *, field: str | None = None) -> Refused:
    return Refused(Refusal.CONFLICT, reason, field=field)


def too_early(reason: str, *, field: str | None = None) -> Refused:
    return Refused(Refusal.TOO_EARLY, reason, field=field)
