"""The HTTP face every service shares: health, readiness, security headers and clear 4xx errors.

/metrics is not here: it is served on its own port (MetricsServer below), which the
platform's Prometheus reaches and the public does not.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from shared.metrics import HTTP_SECONDS
from shared.refusals import Refusal, Refused

Check = Callable[[], Awaitable[bool]]
# A part that must be running for the process to be worth keeping (a consumer, the relay):
# None while it runs, else why it is not.
Liveness = Callable[[], str | None]

# Every page is served from the service itself: no script from elsewhere, no framing, no
# inline script (the pages have none; their small inline <style> blocks are allowed).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")
# FastAPI's /docs and /redoc load Swagger UI / ReDoc from the jsDelivr CDN with an inline
# bootstrap script; those two pages get that much more, and nothing else does.
DOCS_CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
                                "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
                                "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
                                "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(path: str, *, hsts: bool) -> dict[str, str]:
    """The headers every response carries (HTML pages and the API alike)."""
    headers = {
        "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY if path in DOCS_PATHS else CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if hsts:  # outside development: a browser that once saw the site keeps to HTTPS
        headers["Strict-Transport-Security"] = HSTS
    return headers


def install_common_routes(app: FastAPI, service: str, checks: dict[str, Check], *,
                          optional: Mapping[str, Check] | None = None,
                          liveness: Mapping[str, Liveness] | None = None,
                          waiting: Callable[[], str | None] | None = None,
                          details: Callable[[], dict[str, Any]] | None = None,
                          hsts: bool = False) -> None:
    """Add /healthz, /readyz, security headers, a latency histogram, the 422 format and refusals as 4xx.

    `checks` must all pass for /readyz to answer 200; `optional` ones are reported in its
    details but do not take the service out of rotation (intake's HTTP entrance needs
    PostgreSQL, not Kafka). `waiting` says what start-up still waits for (a migration, a
    topic); `details` adds facts that do not decide readiness (a degraded mode). `liveness` are the parts whose death makes /healthz fail, so that the
    orchestrator restarts the process instead of leaving it answering with nothing behind it."""
    optional = dict(optional or {})
    liveness = dict(liveness or {})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        dead = {name: why for name, alive in liveness.items() if (why := alive()) is not None}
        if dead:
            return JSONResponse({"status": "failing", "service": service, "dead": dead}, status_code=503)
        return JSONResponse({"status": "ok", "service": service})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        names = [*checks, *optional]
        results = await asyncio.gather(*(_safe(check) for check in [*checks.values(), *optional.values()]))
        status = dict(zip(names, results, strict=True))
        pending = waiting() if waiting is not None else None
        ready = pending is None and all(status[name] for name in checks)
        body: dict[str, Any] = {"ready": ready, "checks": status,
                      "needs": list(checks), "reported": list(optional)}
        if pending is not None:
            body["waiting_for"] = pending
        if details is not None and (extra := details()):
            body["details"] = extra  # facts that do not decide readiness (e.g. a degraded mode)
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.middleware("http")
    async def add_security_headers(request: Request,
                                   call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in security_headers(request.url.path, hsts=hsts).items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the submitted input back; that may be a phone number or
        # an ID number, so only the field and the reason are returned.
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "reason": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    app.add_exception_handler(Refused, refused_response)  # type: ignore[arg-type]  # Starlette types handlers loosely
    _document_the_422(app)

    @app.middleware("http")
    async def time_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        HTTP_SECONDS.labels(
            service, request.method, getattr(route, "path", "unmatched"), str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response


# A use case's refusal, in HTTP once for every service (shared/refusals.py).
REFUSAL_STATUS: Mapping[Refusal, int] = {
    Refusal.NOT_FOUND: 404,
    Refusal.FORBIDDEN: 403,
    Refusal.INVALID: 422,
    Refusal.CONFLICT: 409,
    Refusal.TOO_EARLY: 409,
}


def refusal_body(refused: Refused) -> dict[str, Any]:
    """The body of a refusal: the platform's 4xx shape, {detail, errors: [{field, reason}]}.

    An invalid field answers exactly like a request FastAPI's validation refused (detail
    "invalid request"); any other refusal carries its reason as `detail`, its kind, and the
    field when it names one."""
    if refused.kind is Refusal.INVALID:
        return {"detail": "invalid request", "errors": [{"field": refused.field or "body", "reason": refused.reason}]}
    body: dict[str, Any] = {"detail": refused.reason, "kind": refused.kind.value}
    if refused.field:
        body["errors"] = [{"field": refused.field, "reason": refused.reason}]
    return body


async def refused_response(_: Request, refused: Refused) -> JSONResponse:
    return JSONResponse(refusal_body(refused), status_code=REFUSAL_STATUS[refused.kind])


def _document_the_422(app: FastAPI) -> None:
    """Make the OpenAPI document describe the 422 the services send ({detail, errors: [{field,
    reason}]}, see invalid_request) instead of FastAPI's default, which echoes input: a client
    generated from the document would otherwise parse every refusal wrongly."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = default()
        schemas = document.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas.pop("ValidationError", None)
            schemas["FieldError"] = {
                "title": "FieldError", "type": "object", "required": ["field", "reason"],
                "properties": {"field": {"type": "string", "description": "where: a body field, or query.<name>"},
                               "reason": {"type": "string"}}}
            schemas["HTTPValidationError"] = {
                "title": "InvalidRequest", "type": "object", "required": ["detail", "errors"],
                "properties": {"detail": {"type": "string"},
                               "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}}}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to adjust the document


async def _safe(check: Check) -> bool:
    try:
        return bool(await asyncio.wait_for(check(), 2.0))
    except Exception:  # noqa: BLE001 - a failing check means not ready, nothing more
        return False


class MetricsServer:
    """Prometheus /metrics on a port of its own, in a thread of its own: the platform's
    Prometheus reaches it, the Service that carries public traffic does not, and a scrape
    never waits for the event loop."""

    def __init__(self, host: str, port: int) -> None:
        from prometheus_client import start_http_server

        self.server, self.thread = start_http_server(port, addr=host)

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_metrics(host: str, port: int) -> MetricsServer:
    return MetricsServer(host, port)
