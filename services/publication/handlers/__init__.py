"""Publication's use cases: the public read model from events, inquiry, evaluation, Open311 submissions."""

from collections.abc import Mapping

from services.publication.handlers.evaluation import on_evaluation_invited
from services.publication.handlers.projection import Projection
from shared.consumer import Batch, Handler
from shared.contracts.events import EvaluationInvited, Event


def event_handlers(pepper: bytes) -> Mapping[type[Event], Handler | Batch]:
    """Which consumed event updates the read model (the live consumer and replay share it).

    One Batch object for every type, so the consumer hands a whole Kafka batch over as one run.
    """
    projection = Projection(pepper)
    every_kind = Batch(projection.apply)
    # Evaluation tokens are publication's own record (kept across a replay), not the read model.
    return {**{kind: every_kind for kind in projection.consumed}, EvaluationInvited: on_evaluation_invited}
