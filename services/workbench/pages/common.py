"""What every page shares: rendering (Chinese first), the session, CSRF and the 403/login gates.

A page dependency resolves the session from the HttpOnly cookie. Without a live session a GET
goes to the login page and a POST applies nothing and goes there too; a person outside the
page's area gets the 403 page. Every POST must carry the session's CSRF token.
"""

import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.workbench.adapters import staff_store
from services.workbench.adapters.platform import Platform, PlatformUnavailable
from services.workbench.config import WorkbenchSettings
from services.workbench.domain import labels
from services.workbench.domain.accounts import Staff
from shared.db import connection
from shared.runtime import ServiceContext, context_of

SESSION_COOKIE = "hotline_staff"
LANG_COOKIE = "hotline_lang"
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
                         autoescape=select_autoescape(default=True, default_for_string=True))
_templates.globals.update(labels=labels)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(value) -> str:
    """A service's timestamp as read in Shenyang (the APIs answer in UTC)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


_templates.filters["local"] = local_time


def wall_now() -> datetime:
    """Sessions and lockouts run on the wall clock, not on a simulation's virtual clock: a
    shift of 8 hours stays 8 real hours when the demo's days pass in seconds."""
    return datetime.now(UTC)


class GoToLogin(Exception):
    pass


class Forbidden(Exception):
    pass


class PageRoute(APIRoute):
    """Turns the gates' exceptions into pages: login redirect, 403 page, service-down page."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except GoToLogin:
                target = request.url.path if request.method == "GET" else ""
                return RedirectResponse(f"/login?next={target}" if target else "/login?expired=1", 303)
            except Forbidden:
                return render(request, "forbidden.html", None, status=403)
            except PlatformUnavailable as down:
                return render(request, "unavailable.html", None, status=503, service=down.service)

        return page


def lang_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if chosen == "en" else "zh"


def render(request: Request, name: str, session: "Session | None", status: int = 200, **values: Any) -> HTMLResponse:
    lang = lang_of(request)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    html = _templates.get_template(name).render(
        lang=lang, t=t, staff=session.staff if session else None, csrf=session.csrf if session else "",
        path=request.url.path, new_action_id=lambda: secrets.token_urlsafe(16), **values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"  # pages show appeals: no shared cache keeps them
    return response


class Session:
    def __init__(self, staff: Staff, csrf: str, platform: Platform, ctx: ServiceContext) -> None:
        self.staff, self.csrf, self.platform, self.ctx = staff, csrf, platform, ctx

    async def get(self, service: str, path: str, **params):
        return await self.platform.get(self.staff, service, path, **params)

    async def post(self, service: str, path: str, body):
        return await self.platform.post(self.staff, service, path, body)


def platform_of(request: Request) -> Platform:
    state = request.app.state
    if getattr(state, "platform", None) is None:
        state.platform = Platform(state.context.settings, WorkbenchSettings())
    return state.platform


async def current_session(request: Request, ctx: ServiceContext) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with connection(ctx.pool) as conn:
        found = await staff_store.session(conn, token, wall_now())
    if found is None:
        return None
    return Session(found[0], found[1], platform_of(request), ctx)


def area(name: str):
    """A page dependency: the session of a person allowed in `name`; POSTs also pass the CSRF check."""

    async def gate(request: Request, ctx: Annotated[ServiceContext, Depends(context_of)]) -> Session:
        session = await current_session(request, ctx)
        if session is None:
            raise GoToLogin()
        if request.method == "POST":
            form = await request.form()
            if not hmac.compare_digest(str(form.get("csrf", "")), session.csrf):
                raise Forbidden()
        if not session.staff.may_enter(name):
            raise Forbidden()
        return session

    return gate


async def form_of(request: Request) -> dict[str, str]:
    """The posted form as plain strings, trimmed (files and repeated keys are not used here)."""
    form = await request.form()
    return {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get: reloading the result page never posts the form again."""
    return RedirectResponse(url, status_code=303)
