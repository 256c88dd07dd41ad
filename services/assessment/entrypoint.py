"""Assessment as a process: facts from every lifecycle topic, scores, rankings, closings."""

from pathlib import Path

from fastapi import FastAPI

from services.assessment import closing, handlers, rebuild
from services.assessment.api import admin, dashboard, scores
from shared.contracts import topics
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

CONSUMED_TOPICS = (topics.INTAKE, topics.ROUTING, topics.SLA, topics.PUBLICATION)

SPEC = ServiceSpec(
    name="assessment",
    migrations=Path(__file__).parent / "migrations",
    consumes=CONSUMED_TOPICS,
    handlers=handlers.handlers,
    routers=(scores.router, admin.router, dashboard.router),
    background=(closing.recheck_loop, rebuild.rebuild_if_requested),
    description="Unified assessment: per-unit metrics, scores and rankings of each month; "
                "closed months published to hotline.assessment.v1, late facts as corrections.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
