"""Publication's two answers that the platform's one refusal mapping does not give.

Its other refusals are shared ones, answered by shared/http.py: an appeal the caller may not
see (inquiry.NotFound: the same 404 for unknown and hidden appeals) and a malformed inquiry
code (422 naming the field). Left here:
- TooManyAttempts: 429 with Retry-After, a limit on guessing rather than a refusal of the input;
- EvaluationRefused (a conflict): its public body `{"detail": {"reason": code, "message": ...}}`
  carries the stable code that clients and the web page switch on, documented in the README
  and the OpenAPI description, for which the shared body has no slot.
"""

from fastapi import HTTPException

from services.publication.domain.evaluation import EvaluationRefused
from services.publication.handlers.inquiry import NOT_FOUND_DETAIL, TooManyAttempts

__all__ = ["NOT_FOUND_DETAIL", "as_http"]


def as_http(exc: TooManyAttempts | EvaluationRefused) -> HTTPException:
    if isinstance(exc, TooManyAttempts):
        return HTTPException(429, detail="too many inquiry attempts; try again later",
                             headers={"Retry-After": str(exc.retry_after)})
    return HTTPException(409, detail={"reason": exc.code, "message": exc.reason})
