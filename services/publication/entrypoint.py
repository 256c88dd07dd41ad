"""Publication as a process: the public read model, its API, Open311, the web page and the public feed."""

from pathlib import Path

from fastapi import FastAPI

from services.publication.api import ROUTERS
from services.publication.handlers import event_handlers
from services.publication.handlers.inquiry import prune_attempts
from shared.contracts import topics
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="publication",
    migrations=Path(__file__).parent / "migrations",
    # Its own topic too: AppealEvaluated read back is what lets a replay rebuild evaluations.
    consumes=(topics.INTAKE, topics.ROUTING, topics.SLA, topics.PUBLICATION),
    handlers=lambda ctx: event_handlers(ctx.settings.pepper()),
    routers=ROUTERS,
    background=(prune_attempts,),
    description="Network feedback: the public read model, inquiry, evaluation, Open311 and the public feed.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
