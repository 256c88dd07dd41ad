"""Routing as a process: transfer letters, units' actions, operators' decisions, the directory."""

from pathlib import Path

from fastapi import FastAPI

from services.routing.adapters.directory_store import DirectoryCache
from services.routing.api import ROUTERS
from services.routing.handlers.dispatching import Dispatcher
from services.routing.handlers.feedback import (
    Evaluations,
    on_deadline_stopped,
    on_deadlines_set,
    on_extension_decided,
)
from services.routing.handlers.forgetting import on_contact_forgotten
from services.routing.handlers.kafka import UnitActionConsumer
from shared.consumer import Batch
from shared.contracts import topics
from shared.contracts.events import (
    AppealAccepted,
    AppealContactForgotten,
    AppealEvaluated,
    DeadlineSet,
    DeadlineStopped,
    ExtensionDecided,
    ReplyToAppeal,
    RequestExtension,
    ReturnAppeal,
    ReturnCallDecided,
    SignAppeal,
)
from shared.runtime import ServiceContext, ServiceSpec, create_app
from shared.settings import Settings


def _handlers(ctx: ServiceContext):
    dispatcher = Dispatcher(DirectoryCache(), ctx.clock)
    actions = UnitActionConsumer(ctx.clock)
    evaluations = Evaluations(ctx.clock)
    return {
        AppealAccepted: Batch(dispatcher.on_accepted),
        SignAppeal: actions.on_action,
        ReturnAppeal: actions.on_action,
        RequestExtension: actions.on_action,
        ReplyToAppeal: actions.on_action,
        DeadlineSet: Batch(on_deadlines_set),
        DeadlineStopped: on_deadline_stopped,
        ExtensionDecided: on_extension_decided,
        AppealEvaluated: evaluations.on_evaluated,
        ReturnCallDecided: evaluations.on_return_call_decided,
        AppealContactForgotten: on_contact_forgotten,
    }


SPEC = ServiceSpec(
    name="routing",
    migrations=Path(__file__).parent / "migrations",
    consumes=(topics.INTAKE, topics.UNIT_ACTIONS, topics.SLA, topics.PUBLICATION),
    handlers=_handlers,
    routers=ROUTERS,
    description="Transfer by responsibility: transfer letters to lead and co-handling units, their sign-off, "
                "returns, re-dispatch, extension requests and replies.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
