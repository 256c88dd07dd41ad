"""The staff workbench as a process: one address, one log-in, pages over the five services' APIs.

It consumes no topic and publishes no event: every change goes through a service's API as the
logged-in person. Its schema `workbench` holds staff accounts, sessions and reply templates.
"""

from pathlib import Path

from fastapi import FastAPI

from services.workbench.pages import ROUTERS
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="workbench",
    migrations=Path(__file__).parent / "migrations",
    consumes=(),
    handlers=lambda ctx: {},
    routers=ROUTERS,
    description="The staff workbench: call-takers, dispatchers, unit handlers and supervisors.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
