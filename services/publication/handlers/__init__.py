"""Publication's use cases: the public read model from events, inquiry, evaluation, Open311 submissions."""

from collections.abc import Mapping

from services.publication.handlers.projection import Projection
from shared.consumer import Handler
from shared.contracts.events import (
    AppealAccepted,
    AppealClosed,
    AppealDispatched,
    AppealEvaluated,
    AppealReclassified,
    AppealRedispatched,
    AppealReopened,
    AppealReplied,
    AppealSigned,
    DeadlineSet,
    DeadlineStopped,
    Event,
)


def event_handlers(pepper: bytes) -> Mapping[type[Event], Handler]:
    """Which consumed event updates the read model how (the live consumer and replay share it)."""
    projection = Projection(pepper)
    return {
        AppealAccepted: projection.on_accepted,
        AppealReclassified: projection.on_reclassified,
        AppealDispatched: projection.on_dispatched,
        AppealRedispatched: projection.on_redispatched,
        AppealSigned: projection.on_signed,
        AppealReplied: projection.on_replied,
        AppealClosed: projection.on_closed,
        AppealReopened: projection.on_reopened,
        DeadlineSet: projection.on_deadline_set,
        DeadlineStopped: projection.on_deadline_stopped,
        AppealEvaluated: projection.on_evaluated,
    }
