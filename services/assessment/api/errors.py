"""Refusals in the platform's 422 shape: {detail, errors: [{field, reason}]}."""

from fastapi.exceptions import RequestValidationError


def invalid(field: str, reason: str, where: str = "query") -> RequestValidationError:
    return RequestValidationError([{"loc": (where, *field.split(".")), "msg": reason, "type": "value_error"}])
