"""The workbench's accounts and sessions against the real database: log-in, lockout, disabled
accounts, hashed sessions, CSRF, the 403 page and the log-in redirect."""

import re

import pytest

from hotline.staff import _with_conn
from services.workbench.adapters import staff_store
from services.workbench.domain import passwords
from services.workbench.entrypoint import SPEC
from tests.support import running_service

PASSWORD = "a-long-password-1"


@pytest.fixture
async def workbench(settings, monkeypatch):
    # plain HTTP in-process: the Secure flag (shown by the browser test) would keep httpx from
    # sending the cookies back
    monkeypatch.setenv("HOTLINE_WORKBENCH_INSECURE_COOKIES", "1")
    async def add(conn):
        hashed = passwords.hash_password(PASSWORD)
        for username, role, unit in (("clerk", "unit", "SAMR"), ("boss", "supervisor", None),
                                     ("victim", "operator", None), ("leaver", "operator", None)):
            await staff_store.add_staff(conn, username, username, role, unit, hashed, settings.clock().now())
    await _with_conn(settings, add)
    async with running_service(SPEC, settings) as client:
        yield client


async def log_in(client, username: str, password: str = PASSWORD, next_: str = ""):
    page = await client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, "the log-in form carries a CSRF token"
    token = found[1]
    return await client.post("/login", data={"csrf": token, "username": username, "password": password,
                                             "next": next_})


async def test_log_in_sets_a_hashed_http_only_session_and_goes_home(workbench, db):
    answer = await log_in(workbench, "boss")
    assert answer.status_code == 303 and answer.headers["location"] == "/board"
    cookie = workbench.cookies["hotline_staff"]
    assert "httponly" in answer.headers["set-cookie"].lower()
    stored = await db.fetch("SELECT token_hash FROM workbench.sessions")
    assert stored and all(cookie.encode() not in bytes(r["token_hash"]) for r in stored)
    assert await db.fetchval("SELECT count(*) FROM workbench.sessions WHERE token_hash = $1",
                             staff_store.token_hash(cookie)) == 1


async def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(workbench):
    for _ in range(5):
        assert (await log_in(workbench, "victim", "wrong-password")).status_code == 401
    locked = await log_in(workbench, "victim")
    assert locked.status_code == 429 and "锁定" in locked.text
    assert "hotline_staff" not in workbench.cookies


async def test_unknown_and_wrong_and_disabled_look_the_same(workbench, settings):
    unknown = await log_in(workbench, "nobody", "whatever-it-is")
    wrong = await log_in(workbench, "clerk", "whatever-it-is")
    assert unknown.status_code == wrong.status_code == 401
    assert "用户名或密码不正确" in unknown.text and "用户名或密码不正确" in wrong.text
    assert (await log_in(workbench, "leaver")).status_code == 303
    assert (await workbench.get("/console")).status_code == 200  # reachable while enabled
    await _with_conn(settings, lambda conn: staff_store.disable_staff(conn, "leaver"))
    after = await workbench.get("/console")  # the session ended with the account
    assert after.status_code == 303 and after.headers["location"].startswith("/login")
    assert (await log_in(workbench, "leaver")).status_code == 401


async def test_pages_outside_ones_role_are_a_403_page_and_no_session_means_log_in(workbench):
    anonymous = await workbench.get("/unit")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/unit"
    await log_in(workbench, "clerk")
    for path in ("/board", "/console", "/dispatch", "/board/extensions"):
        page = await workbench.get(path)
        assert page.status_code == 403 and "无权访问" in page.text, path


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(workbench, db):
    await log_in(workbench, "clerk")
    forged = await workbench.post("/unit/templates", data={"csrf": "forged", "title": "t", "body": "b",
                                                           "outcome": "solved"})
    assert forged.status_code == 403
    assert await db.fetchval("SELECT count(*) FROM workbench.response_templates") == 0
    login_forged = await workbench.post("/login", data={"csrf": "x", "username": "clerk", "password": PASSWORD})
    assert login_forged.status_code == 403


async def test_after_log_in_only_local_addresses_are_followed(workbench):
    assert (await log_in(workbench, "boss", next_="//evil.example/")).headers["location"] == "/board"
    assert (await log_in(workbench, "boss", next_="/board/extensions")).headers["location"] == "/board/extensions"


async def test_templates_are_kept_per_unit_and_checked(workbench, db):
    await log_in(workbench, "clerk")
    page = await workbench.get("/unit/templates")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    empty = await workbench.post("/unit/templates", data={"csrf": csrf, "title": "", "body": "", "outcome": "x"})
    assert empty.status_code == 422
    assert all(reason in empty.text for reason in ("请填写模板名称", "请填写模板内容", "请选择办理结果"))
    for _ in range(2):  # sent twice: one template
        saved = await workbench.post("/unit/templates", data={"csrf": csrf, "title": "价格", "body": "已整改",
                                                              "outcome": "solved"})
        assert saved.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM workbench.response_templates WHERE unit_code = 'SAMR'") == 1
    english = await workbench.post("/unit/templates?lang=en", data={"csrf": csrf, "title": "", "body": "x",
                                                                    "outcome": "solved"})
    assert "Title is required" in english.text
