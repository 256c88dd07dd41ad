"""The HTTP face every service shares: health, readiness, metrics and clear 4xx errors."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.metrics import HTTP_SECONDS

Check = Callable[[], Awaitable[bool]]


def install_common_routes(app: FastAPI, service: str, checks: dict[str, Check],
                          details: Callable[[], dict[str, Any]] | None = None) -> None:
    """Add /healthz, /readyz, /metrics, a latency histogram and the 422 format."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        results = await asyncio.gather(*(_safe(check) for check in checks.values()))
        status = dict(zip(checks, results, strict=True))
        ready = all(results)
        body = {"ready": ready, "checks": status}
        if details is not None and (extra := details()):
            body["details"] = extra  # facts that do not decide readiness (e.g. a degraded mode)
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the submitted input back; that may be a phone number or
        # an ID number, so only the field and the reason are returned.
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body") or "body", "reason": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

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
