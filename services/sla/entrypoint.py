"""SLA as a process: sets working-day deadlines for transfer letters."""

from pathlib import Path

from fastapi import FastAPI

from services.sla.domain.calendar import WorkCalendar
from services.sla.handlers import Clock
from shared.contracts import topics
from shared.contracts.events import AppealDispatched
from shared.runtime import ServiceContext, ServiceSpec, create_app
from shared.settings import Settings


def _handlers(ctx: ServiceContext):
    clock = Clock(WorkCalendar())
    return {AppealDispatched: clock.on_dispatched}


SPEC = ServiceSpec(
    name="sla",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.ROUTING,),
    handlers=_handlers,
    description="Time-limited completion: working-day deadlines on the official Chinese calendar.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
