"""Intake as a process: consumes channel submissions, serves POST /v1/appeals."""

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from services.intake.handlers import on_submission
from shared.contracts import topics
from shared.contracts.events import SubmitAppeal
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="intake",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.SUBMISSIONS,),
    handlers=lambda ctx: {SubmitAppeal: on_submission},
    routers=(router,),
    # Channel adapters may send the bare JSON body; the topic has only one payload type.
    default_types={topics.SUBMISSIONS: SubmitAppeal.event_type},
    description="Single-point acceptance: every channel's submissions become accepted, "
    "rejected or held appeals with a tracking number.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
