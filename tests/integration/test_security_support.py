"""Helpers for the security suite (this module holds no tests of its own): the five services
in-process at once, every route they serve, tokens that must be refused, request bodies built
from the OpenAPI schemas, and the PII patterns the public face must never show."""

import contextlib
import html
import importlib
import json
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from fastapi.routing import APIRoute

from shared.auth import all_audiences, issue_token
from shared.runtime import create_app
from shared.settings import Settings

SERVICES = ("intake", "routing", "sla", "publication", "assessment")
SKIPPED_PATHS = {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    operation: dict  # the OpenAPI operation ({} for routes hidden from the document)

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def spec_of(service: str):
    return importlib.import_module(f"services.{service}.entrypoint").SPEC


def all_routes(service: str, app) -> list[Route]:
    """Every route a service serves: the OpenAPI document plus routes hidden from it."""
    doc = app.openapi()
    found = {(m.upper(), p): Route(service, m.upper(), p, op) for p, ops in doc["paths"].items()
             for m, op in ops.items() if m in ("get", "post", "put", "delete", "patch")}

    def walk(routes):
        for r in routes:
            if isinstance(r, APIRoute):
                yield r
            elif hasattr(r, "routes"):
                yield from walk(r.routes)

    routers = [app.router, *spec_of(service).routers]
    for router in routers:
        for r in walk(router.routes):
            for m in r.methods - {"HEAD", "OPTIONS"}:
                found.setdefault((m, r.path), Route(service, m, r.path, {}))
    return sorted((r for r in found.values() if r.path not in SKIPPED_PATHS), key=str)


def transport_client(app, base: str, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client whose app exceptions become 500 responses (so a crash is seen as a 5xx)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{base}", timeout=60)


@contextlib.asynccontextmanager
async def platform(settings: Settings) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """All five services in this process, each behind a client keyed by its name."""
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name in SERVICES:
            app = create_app(spec_of(name), settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = await stack.enter_async_context(transport_client(app, name))
            client.app = app  # type: ignore[attr-defined]
            clients[name] = client
        # publication's appeal form calls intake over HTTP: here, intake's app in this process
        clients["publication"].app.state.intake_transport = httpx.ASGITransport(  # type: ignore[attr-defined]
            app=clients["intake"].app, client=("127.0.0.1", 40001))  # type: ignore[attr-defined]
        yield clients


# --- tokens -----------------------------------------------------------------------------

def token(settings: Settings, role: str, unit: str | None = None,
          channels: tuple[str, ...] = ("phone", "phone_business_line", "web", "app")) -> dict[str, str]:
    """A development token; a channel token names `channels` (all four unless told)."""
    issued = issue_token(settings, "security-test", role, unit, channels=channels if role == "channel" else ())
    return {"Authorization": f"Bearer {issued}"}


def forged_tokens(settings: Settings) -> dict[str, str]:
    """Tokens every protected route must answer with 401."""
    now = datetime.now(UTC)
    good = {"sub": "x", "role": "admin", "iss": settings.jwt_issuer, "aud": all_audiences(settings)}
    key = issue_token.__globals__["_verification_key"](settings, None).key
    return {
        "no audience": jwt.encode({**{k: v for k, v in good.items() if k != "aud"}, "exp": now + timedelta(hours=1)},
                                  key, algorithm="HS256"),
        "another audience": jwt.encode({**good, "aud": "hotline-elsewhere", "exp": now + timedelta(hours=1)}, key,
                                       algorithm="HS256"),
        "expired": jwt.encode({**good, "iat": now - timedelta(hours=9), "exp": now - timedelta(hours=1)},
                              key, algorithm="HS256"),
        "other key": jwt.encode({**good, "exp": now + timedelta(hours=1)}, "another-secret-" + "x" * 32,
                                algorithm="HS256"),
        "alg none": jwt.encode({**good, "exp": now + timedelta(hours=1)}, None, algorithm="none"),  # type: ignore[arg-type]
        "wrong issuer": jwt.encode({**good, "iss": "elsewhere", "exp": now + timedelta(hours=1)}, key,
                                   algorithm="HS256"),
        "unknown role": jwt.encode({**good, "role": "root", "exp": now + timedelta(hours=1)}, key,
                                   algorithm="HS256"),
        "unit without unit": jwt.encode({**good, "role": "unit", "exp": now + timedelta(hours=1)}, key,
                                        algorithm="HS256"),
        "no exp": jwt.encode(good, key, algorithm="HS256"),
        "garbage": "not.a.jwt",
    }


# --- examples from the OpenAPI schemas -----------------------------------------------------

def resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        target = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def example(schema: dict, doc: dict, depth: int = 0):
    """A minimal value that satisfies `schema` (required fields only)."""
    schema = resolve(schema, doc)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(s, doc).get("type") != "null"] or schema[key]
            return example(options[0], doc, depth + 1)
    kind = schema.get("type", "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(props[k], doc, depth + 1) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return [example(schema.get("items", {}), doc, depth + 1)] * max(1, schema.get("minItems", 0))
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date":
        return "2027-01-01"
    if schema.get("format") == "date-time":
        return "2027-01-01T00:00:00+08:00"
    return "x" * max(schema.get("minLength", 1), 1)


def json_body_schema(route: Route, doc: dict) -> dict | None:
    content = (route.operation.get("requestBody") or {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def required_query(route: Route, doc: dict) -> dict:
    return {p["name"]: example(p.get("schema", {}), doc) for p in route.operation.get("parameters", [])
            if p.get("in") == "query" and p.get("required")}


# --- personal data ---------------------------------------------------------------------------

def id_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


NAME = "欧阳伟民"
PHONE = "13812345678"
ID_NUMBER = "21010219900307123" + id_check("21010219900307123")
PLATE = "辽A12345"
EMAIL = "ouyang.weimin@example.com"
SCRIPT = "<script>alert(1)</script>"
PII_VALUES = (NAME, PHONE, ID_NUMBER, PLATE, EMAIL, "138-1234-5678", "1234-5678")

_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?![0-9A-Za-z])")
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def pii_in(text: str) -> list[str]:
    """Personal data found in a public response: our petitioner's values and anything shaped
    like a mobile number, a resident ID (valid check character), a plate or an e-mail."""
    view = unicodedata.normalize("NFKC", html.unescape(text))
    try:  # JSON escapes (\\u6b27...) hide Chinese text from a plain search
        view += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    found = [v for v in PII_VALUES if v in view]
    found += list(_MOBILE.findall(view))
    found += [m for m in _ID.findall(view) if id_check(m[:17]) == m[17].upper()]
    found += _PLATE.findall(view) + _EMAIL.findall(view)
    return found


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/|asyncpg\.exceptions|psycopg|"
                       r"pydantic_core\._pydantic_core|Internal Server Error")
