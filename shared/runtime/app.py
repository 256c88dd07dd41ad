"""The service as an ASGI app: a lifespan that opens, starts and closes its ServiceRuntime, the
common routes (/healthz, /readyz, /metrics), and its routers. Also the AsyncAPI document."""

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from shared.http import install_common_routes, serve_metrics
from shared.runtime.process import ServiceRuntime
from shared.runtime.spec import ServiceContext, ServiceSpec
from shared.settings import Settings

log = logging.getLogger("shared.runtime")


def create_app(spec: ServiceSpec, settings: Settings | None = None, *, own_process: bool = False) -> FastAPI:
    """The service as an ASGI app. `own_process`: the app is all its process runs (`hotline run`),
    so what start-up created is frozen out of the garbage collector's reach once it is up, and
    it serves /metrics on its own port."""
    settings = settings or Settings()
    runtime = ServiceRuntime(spec, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics = None
        if own_process and (port := settings.metrics_port_for(spec.name)):
            metrics = serve_metrics(settings.http_host, port)
        try:
            app.state.context = await runtime.open()
            await runtime.broker.start()
            await runtime.start_relay()
            if own_process:  # not in a test process, whose objects come and go with each test
                _keep_startup_objects_out_of_collections()
            log.info("%s started", spec.name)
            yield
        finally:
            await runtime.close()
            if metrics is not None:
                metrics.shutdown()

    app = FastAPI(title=f"hotline {spec.name}", description=spec.description, lifespan=lifespan)
    app.state.runtime = runtime
    checks = {"database": lambda: runtime.database_ready(), "kafka": lambda: runtime.kafka_ready()}
    install_common_routes(
        app, spec.name, {k: v for k, v in checks.items() if k in spec.ready_needs},
        optional={k: v for k, v in checks.items() if k not in spec.ready_needs},
        liveness={"parts": lambda: "; ".join(f"{k}: {v}" for k, v in runtime.dead_parts().items()) or None},
        waiting=lambda: runtime.waiting_for, details=runtime.readiness_details,
        hsts=not settings.development)
    for router in spec.routers:
        app.include_router(router)
    return app


def _keep_startup_objects_out_of_collections() -> None:
    """Move what start-up created (modules, models, routes, pools: about 100,000 objects, most
    of a service's) out of the cyclic garbage collector's reach. Every full collection walked
    them all: 150-600 ms with the event loop stopped, every 20-60 s per service under load (in
    `hotline bench`), and an appeal that met one at any of its hops waited for it. Afterwards a
    full collection walks the few thousand objects made since: mostly 5-80 ms. Frozen objects
    are still freed when their last reference goes; only cycles among them are never collected,
    which start-up objects, living as long as the process, do not become."""
    gc.collect()  # what start-up left as garbage goes now, not frozen for ever
    gc.freeze()


def asyncapi_document(spec: ServiceSpec, settings: Settings) -> dict[str, Any]:
    """The AsyncAPI 3 document faststream generates from the service's declarations."""
    from faststream import FastStream
    from faststream.specification import AsyncAPI

    runtime = ServiceRuntime(spec, settings)
    # Handler factories only build objects; nothing touches the database while declaring.
    runtime.declare(ServiceContext(settings, None, runtime.broker, None, settings.clock()))  # type: ignore[arg-type]
    app = FastStream(runtime.broker, specification=AsyncAPI(
        title=f"hotline {spec.name}", version="1.0.0", description=spec.description))
    document: dict[str, Any] = app.schema.to_specification().to_jsonable()
    return document


