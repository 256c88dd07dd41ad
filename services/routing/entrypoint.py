"""Routing as a process: turns accepted appeals into transfer letters."""

from pathlib import Path

from fastapi import FastAPI

from services.routing.adapters.directory_file import load_directory
from services.routing.handlers import Dispatcher
from shared.contracts import topics
from shared.contracts.events import AppealAccepted
from shared.runtime import ServiceContext, ServiceSpec, create_app
from shared.settings import Settings


def _handlers(ctx: ServiceContext):
    dispatcher = Dispatcher(load_directory())
    return {AppealAccepted: dispatcher.on_accepted}


SPEC = ServiceSpec(
    name="routing",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.INTAKE,),
    handlers=_handlers,
    description="Transfer by responsibility: dispatches each accepted appeal to its lead unit.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
