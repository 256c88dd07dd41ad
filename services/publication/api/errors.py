"""The use cases' refusals as HTTP answers (the same 404 for unknown and for hidden appeals)."""

from fastapi import HTTPException

from services.publication.domain.evaluation import EvaluationRefused
from services.publication.handlers.inquiry import NotFound, TooManyAttempts

NOT_FOUND_DETAIL = "no appeal with this tracking number can be shown; a private appeal needs its inquiry code"


def as_http(exc: Exception) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(404, detail=NOT_FOUND_DETAIL)
    if isinstance(exc, TooManyAttempts):
        return HTTPException(429, detail="too many inquiry attempts; try again later",
                             headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, EvaluationRefused):
        return HTTPException(409, detail={"reason": exc.reason, "message": str(exc)})
    raise exc
