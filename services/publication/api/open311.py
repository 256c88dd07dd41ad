"""Open311 GeoReport v2 at /open311/v2/: services, requests (read and submit) and tokens.

Every resource answers in JSON (`.json`) and XML (`.xml`); errors are the GeoReport error
list `[{"code": ..., "description": ...}]` with the matching HTTP status.
"""

import xml.etree.ElementTree as ET
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from services.publication.adapters import listing, repository
from services.publication.adapters import open311 as store
from services.publication.domain import open311
from services.publication.domain.lifecycle import is_disclosed
from services.publication.domain.open311 import MAX_PAGE_SIZE, Open311Error
from services.publication.handlers.submission import Open311Submission, submit
from shared.runtime import Context

router = APIRouter(prefix="/open311/v2", tags=["open311"])
_ROOTS = {"services": ("services", "service"), "service_definition": (None, "service_definition"),
          "requests": ("service_requests", "request"), "tokens": ("service_requests", "request"),
          "errors": ("errors", "error")}


def _split(name: str) -> tuple[str, str]:
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in ("json", "xml"):
        raise Open311Error(404, "add .json or .xml to the resource name")
    return stem, fmt


def _xml(kind: str, payload) -> bytes:
    outer, inner = _ROOTS[kind]
    items = payload if isinstance(payload, list) else [payload]
    root = ET.Element(outer or inner)
    for item in items:
        element = ET.SubElement(root, inner) if outer else root
        for key, value in item.items():
            child = ET.SubElement(element, key)
            if isinstance(value, list):  # attributes of a service definition: none here
                continue
            child.text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _answer(kind: str, payload, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_xml(kind, payload), status_code=status, media_type="application/xml; charset=utf-8")
    return JSONResponse(payload, status_code=status)


def _error(exc: Open311Error, fmt: str = "json") -> Response:
    return _answer("errors", [{"code": exc.code, "description": str(exc)}], fmt, exc.code)


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


@router.get("/services.{fmt}")
async def list_services(fmt: str, request: Request) -> Response:
    if fmt not in ("json", "xml"):
        return _error(Open311Error(404, "services.json or services.xml"))
    return _answer("services", open311.services(_lang(request)), fmt)


@router.get("/services/{name}")
async def service_definition(name: str) -> Response:
    fmt = "json"
    try:
        code, fmt = _split(name)
        return _answer("service_definition", open311.service_definition(code), fmt)
    except Open311Error as exc:
        return _error(exc, fmt)


def _page_args(request: Request) -> tuple[int, int]:
    params = request.query_params
    try:
        page, size = int(params.get("page", "1")), int(params.get("page_size", "50"))
    except ValueError:
        raise Open311Error(400, "page and page_size are whole numbers") from None
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise Open311Error(400, f"page is 1 or more; page_size is 1 to {MAX_PAGE_SIZE}")
    return page, size


@router.get("/requests.{fmt}")
async def list_requests(fmt: str, request: Request, ctx: Context) -> Response:
    if fmt not in ("json", "xml"):
        return _error(Open311Error(404, "requests.json or requests.xml"))
    params = request.query_params
    try:
        page, size = _page_args(request)
        ids = tuple(i.strip() for i in params.get("service_request_id", "").split(",") if i.strip())
        if ids:  # GeoReport: with ids, the other filters are ignored
            filters = listing.Filters(tracking_numbers=ids)
        else:
            codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
            window = open311.date_window(params.get("start_date"), params.get("end_date"), ctx.clock.now())
            filters = listing.Filters(
                service_pairs=tuple(open311.parse_service_code(c) for c in codes),
                statuses=open311.statuses_for(params.get("status")),
                accepted_from=window.start, accepted_until=window.end)
    except Open311Error as exc:
        return _error(exc, fmt)
    rows = await listing.list_disclosed(ctx.pool, filters, limit=size, offset=(page - 1) * size)
    return _answer("requests", [open311.request_view(r, _lang(request)) for r in rows], fmt)


@router.get("/requests/{name}")
async def get_request(name: str, request: Request, ctx: Context) -> Response:
    fmt = "json"
    try:
        tracking_number, fmt = _split(name)
        row = await repository.get(ctx.pool, tracking_number)
        if row is None or not is_disclosed(row):
            raise Open311Error(404, "no public request has this id")
    except Open311Error as exc:
        return _error(exc, fmt)
    return _answer("requests", [open311.request_view(row, _lang(request))], fmt)


@router.get("/tokens/{name}")
async def get_token(name: str, ctx: Context) -> Response:
    fmt = "json"
    try:
        raw, fmt = _split(name)
        found = await store.token(ctx.pool, UUID(raw)) if _is_uuid(raw) else None
        if found is None:
            raise Open311Error(404, "no submission has this token")
    except Open311Error as exc:
        return _error(exc, fmt)
    return _answer("tokens", [{"token": str(found["token"]), "service_request_id": found["tracking_number"]}], fmt)


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request, ctx: Context) -> Response:
    """Submit to intake (via Kafka). Form fields as in GeoReport v2; `attribute[district]` or an
    address_string naming the district; first_name/last_name and phone are required by 12345."""
    if fmt not in ("json", "xml"):
        return _error(Open311Error(404, "requests.json or requests.xml"))
    form = await request.form()
    field = {k: (v if isinstance(v, str) else None) for k, v in form.items()}
    try:
        key_id = await store.find_key(ctx.pool, field.get("api_key") or "", ctx.settings.pepper())
        if key_id is None:
            raise Open311Error(403, "api_key: missing or not valid")
        appeal_type, category = open311.parse_service_code(field.get("service_code") or "")
        description = (field.get("description") or "").strip()
        if not 1 <= len(description) <= 4000:
            raise Open311Error(400, "description: 1 to 4000 characters")
        district = open311.district_from(field.get("address_string"), field.get("attribute[district]"))
        if district is None:
            raise Open311Error(400, "address_string or attribute[district]: must name one of Shenyang's 13 divisions")
        name, phone = open311.petitioner_from(field.get("first_name"), field.get("last_name"), field.get("phone"))
        token = await submit(ctx, key_id, Open311Submission(
            appeal_type, category, description, district, (field.get("address_string") or "")[:200] or None,
            name, phone))
    except Open311Error as exc:
        return _error(exc, fmt)
    return _answer("requests", [{"token": str(token), "service_notice": "已提交至12345受理 / submitted to 12345"}],
                   fmt, status=201)
