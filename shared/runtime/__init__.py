"""Assembles one service process: pool, broker, consumer, outbox relay and HTTP app.

Every service describes itself with a ServiceSpec; `create_app` turns it into a FastAPI
app whose lifespan starts and stops the rest, so `uvicorn` runs the whole service.
Nothing connects at import time. By job:
- spec.py: ServiceSpec (what a service declares) and ServiceContext (what its handlers reach);
- process.py: ServiceRuntime, the moving parts started and stopped together;
- prerequisites.py: waiting for the schema's migrations and the topics before consuming;
- shutdown.py: the bounded shutdown steps;
- app.py: the FastAPI app and its lifespan, and the AsyncAPI document.
"""

from shared.runtime.app import asyncapi_document, create_app
from shared.runtime.prerequisites import PREREQUISITE_POLL_SECONDS, wait_until_provisioned
from shared.runtime.process import ServiceRuntime
from shared.runtime.shutdown import HTTP_DRAIN_SECONDS, SHUTDOWN_STEPS
from shared.runtime.spec import Context, ServiceContext, ServiceSpec, context_of

__all__ = [
    "HTTP_DRAIN_SECONDS",
    "PREREQUISITE_POLL_SECONDS",
    "SHUTDOWN_STEPS",
    "Context",
    "ServiceContext",
    "ServiceRuntime",
    "ServiceSpec",
    "asyncapi_document",
    "context_of",
    "create_app",
    "wait_until_provisioned",
]
