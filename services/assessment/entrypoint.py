"""Assessment as a process: counts what each unit received, per month."""

from pathlib import Path

from fastapi import FastAPI

from services.assessment import handlers
from services.assessment.api import router
from shared.contracts import topics
from shared.contracts.events import AppealDispatched
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="assessment",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.ROUTING,),
    handlers=lambda ctx: {AppealDispatched: handlers.on_dispatched},
    routers=(router,),
    description="Unified assessment: per-unit figures of each month.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
