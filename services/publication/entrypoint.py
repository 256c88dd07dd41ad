"""Publication as a process: the public read model, its API and the public feed."""

from pathlib import Path

from fastapi import FastAPI

from services.publication import handlers
from services.publication.api import router
from shared.contracts import topics
from shared.contracts.events import AppealAccepted, AppealDispatched, DeadlineSet
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="publication",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.INTAKE, topics.ROUTING, topics.SLA),
    handlers=lambda ctx: {
        AppealAccepted: handlers.on_accepted,
        AppealDispatched: handlers.on_dispatched,
        DeadlineSet: handlers.on_deadline_set,
    },
    routers=(router,),
    description="Network feedback: the public read model, inquiry API and public feed.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
