"""What a service declares about itself (ServiceSpec) and what its handlers and routes reach (ServiceContext)."""

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request
from faststream.kafka import KafkaBroker

from shared.clock import SYSTEM_CLOCK, Clock
from shared.consumer import Batch, Handler
from shared.contracts.events import Event
from shared.settings import Settings
from shared.unit_of_work import BeforeStore, UnitOfWorkFactory


@dataclass
class ServiceContext:
    """What handlers and routes of a running service can reach."""

    settings: Settings
    pool: asyncpg.Pool
    broker: KafkaBroker
    units_of_work: UnitOfWorkFactory
    clock: Clock = SYSTEM_CLOCK
    # What one service keeps for its process besides these (e.g. intake's loaded classifier).
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # also the PostgreSQL schema
    migrations: Path
    consumes: tuple[str, ...]
    handlers: Callable[[ServiceContext], Mapping[type[Event], Handler | Batch]]  # as EventConsumer takes them
    routers: tuple[APIRouter, ...] = ()
    default_types: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    # Long-running loops of the service besides its consumers (e.g. the SLA due-time poller),
    # started after the broker and cancelled on shutdown.
    background: tuple[Callable[[ServiceContext], Coroutine[Any, Any, None]], ...] = ()
    # Run once the database is reachable and before any consumer starts (e.g. load a model).
    prepare: Callable[[ServiceContext], Awaitable[None]] | None = None
    # Extra facts for /readyz that do not decide readiness (e.g. "classifier: keyword rules only").
    readiness_details: Callable[[ServiceContext], dict[str, Any]] | None = None
    # What /readyz requires; the other dependency is reported but does not take the service
    # out of rotation. Intake's HTTP entrance needs only PostgreSQL (its outbox holds what
    # Kafka cannot take yet), so intake says ("database",).
    ready_needs: tuple[str, ...] = ("database", "kafka")
    # Given the settings, what runs on the events of every unit of work just before they are
    # stored (shared/unit_of_work.py): intake seals contacts there.
    before_store: Callable[[Settings], BeforeStore] | None = None



def context_of(request: Request) -> ServiceContext:
    """FastAPI dependency: the running service's context."""
    context: ServiceContext = request.app.state.context
    return context


# What a route declares to reach the running service: `ctx: Context`.
Context = Annotated[ServiceContext, Depends(context_of)]
