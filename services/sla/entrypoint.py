"""SLA as a process: working-day deadlines, the supervision ladder, extensions, concentrations."""

from pathlib import Path

from fastapi import FastAPI

from services.sla.api import ROUTERS
from services.sla.config import sla_settings
from services.sla.handlers import build
from services.sla.handlers.ladder_poller import LadderPoller
from services.sla.handlers.parked_sweeper import run_sweeper
from shared.contracts import topics
from shared.runtime import ServiceContext, ServiceSpec, create_app
from shared.settings import Settings


def _handlers(ctx: ServiceContext):
    return build(ctx.clock).handlers()


async def due_time_poller(ctx: ServiceContext) -> None:
    config = sla_settings()
    sla = build(ctx.clock)
    await LadderPoller(ctx.units_of_work, sla.rules, sla.calendars, ctx.clock, config.poll_batch).run(
        config.poll_seconds)


async def parked_event_sweeper(ctx: ServiceContext) -> None:
    config = sla_settings()
    topic = ctx.settings.topic(topics.dead_letter_topic("sla"))

    async def publish(key: bytes, headers: dict[str, str], body: bytes) -> None:
        await ctx.broker.publish(body, topic, key=key, headers=headers)

    await run_sweeper(ctx.units_of_work, ctx.clock, build(ctx.clock).rules.park_max_wait, publish,
                      config.sweep_seconds)


SPEC = ServiceSpec(
    name="sla",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.ROUTING, topics.INTAKE),
    handlers=_handlers,
    routers=ROUTERS,
    background=(due_time_poller, parked_event_sweeper),
    description="Time-limited completion and key supervision: working-day deadlines on the official "
                "Chinese calendar, reminders, supervision, extensions, concentrated appeals.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
