"""Login, logout, the language toggle, the vendored static files, and the home redirect."""

import hmac
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from services.workbench.adapters import staff_store
from services.workbench.config import WorkbenchSettings
from services.workbench.domain import accounts, passwords
from services.workbench.pages.common import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Forbidden,
    PageRoute,
    current_session,
    form_of,
    render,
    see_other,
    wall_now,
)
from shared.db import connection
from shared.runtime import ServiceContext, context_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Context = Annotated[ServiceContext, Depends(context_of)]
LOGIN_CSRF_COOKIE = "hotline_login_csrf"  # double-submit token: the login form has no session yet
STATIC = Path(__file__).parent.parent / "static"
STATIC_FILES = {"htmx.min.js": "text/javascript", "workbench.css": "text/css"}


def _local(target: str | None, fallback: str) -> str:
    """Only paths on this site: `next` must not send anyone elsewhere after login."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return fallback
    return target


@router.get("/")
async def home(request: Request, ctx: Context) -> Response:
    session = await current_session(request, ctx)
    return see_other(session.staff.home if session else "/login")


def _login_page(request: Request, status: int = 200, **values) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status=status, login_csrf=token,
                      next=_local(request.query_params.get("next"), ""),
                      expired=request.query_params.get("expired") == "1", **values)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=WorkbenchSettings().secure_cookies(request.app.state.context.settings))
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request, ctx: Context) -> Response:
    form = await form_of(request)
    if not hmac.compare_digest(form.get("csrf", ""), request.cookies.get(LOGIN_CSRF_COOKIE, "-")):
        raise Forbidden()
    username, password = form.get("username", "").lower(), form.get("password", "")
    errors = {}
    if not username:
        errors["username"] = ("请填写用户名", "Enter your user name")
    if not password:
        errors["password"] = ("请填写密码", "Enter your password")
    if errors:
        return _login_page(request, 422, errors=errors, username=username)
    now = wall_now()
    async with connection(ctx.pool) as conn, conn.transaction():
        row = await staff_store.login_record(conn, username)
        if row is not None and accounts.locked(row["locked_until"], now):
            return _login_page(request, 429, username=username, errors={"password": (
                "连续输错次数过多，账号已暂时锁定，请15分钟后再试", "Too many wrong passwords: locked for 15 minutes")})
        good = passwords.verify(row["password_hash"] if row else None, password)
        if row is None or not good or row["disabled"]:
            if row is not None and not good:
                failed, until = accounts.after_failure(row["failed_logins"], now)
                await staff_store.record_failure(conn, username, failed, until)
            # one answer for an unknown name, a wrong password and a disabled account
            return _login_page(request, 401, username=username, errors={"password": (
                "用户名或密码不正确", "Wrong user name or password")})
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        rehashed = passwords.hash_password(password) if passwords.needs_rehash(row["password_hash"]) else None
        await staff_store.open_session(conn, token, username, csrf, now, now + accounts.SESSION_TTL, rehashed)
    staff = accounts.Staff(row["username"], row["display_name"], row["role"], row["unit_code"])
    response = see_other(_local(form.get("next"), staff.home))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        max_age=int(accounts.SESSION_TTL.total_seconds()),
                        secure=WorkbenchSettings().secure_cookies(ctx.settings))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, ctx: Context) -> Response:
    session = await current_session(request, ctx)
    form = await form_of(request)
    if session is not None:
        if not hmac.compare_digest(form.get("csrf", ""), session.csrf):
            raise Forbidden()
        async with connection(ctx.pool) as conn:
            await staff_store.close_session(conn, request.cookies[SESSION_COOKIE])
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{choice}")
async def choose_language(choice: str, request: Request) -> Response:
    response = see_other(_local(request.query_params.get("next"), "/"))
    response.set_cookie(LANG_COOKIE, "en" if choice == "en" else "zh", samesite="lax", path="/",
                        max_age=365 * 24 * 3600)
    return response


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "public, max-age=86400"})
