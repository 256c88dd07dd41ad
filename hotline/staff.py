"""`hotline staff add | disable`: the workbench's staff accounts, from the command line."""

import asyncio
import getpass
import os
import sys

import asyncpg

from services.workbench.adapters import staff_store
from services.workbench.domain import accounts, passwords
from shared.settings import Settings


def run_staff_command(args) -> int:
    settings = Settings()
    if args.action == "disable":
        done = asyncio.run(_with_conn(settings, lambda conn: staff_store.disable_staff(conn, args.username)))
        print(f"staff {args.username}: disabled, sessions ended" if done else f"error: no staff {args.username}")
        return 0 if done else 1
    if not args.role:
        raise SystemExit("error: staff add needs --role")
    password = _password(args)
    unit = args.unit.upper() if args.unit else None
    try:
        accounts.check_new_account(args.username, args.role, unit, password)
    except accounts.AccountRefused as refused:
        raise SystemExit(f"error: {refused.field}: {refused.reason}") from None
    hashed = passwords.hash_password(password)
    created = asyncio.run(_with_conn(settings, lambda conn: staff_store.add_staff(
        conn, args.username, args.name or args.username, args.role, unit, hashed, settings.clock().now())))
    print(f"staff {args.username}: {'added' if created else 'updated'} as {args.role}"
          + (f" of {unit}" if unit else ""))
    return 0


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("HOTLINE_STAFF_PASSWORD"):
        return os.environ["HOTLINE_STAFF_PASSWORD"]
    first = getpass.getpass(f"password for {args.username}: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


async def _with_conn(settings: Settings, work):
    conn = await asyncpg.connect(settings.database_url, server_settings={"search_path": "workbench"})
    try:
        return await work(conn)
    finally:
        await conn.close()


# The demo's staff, one per role, with a password printed in the demo's report: a demo runs
# in its own throw-away database on loopback, never outside development.
DEMO_PASSWORD = "hotline-demo-2026"  # noqa: S105 - a demo's, printed on purpose
DEMO_ACCOUNTS = {"demo-operator": ("operator", None, "演示坐席"), "demo-dispatcher": ("dispatcher", None, "演示派单员"),
                 "demo-supervisor": ("supervisor", None, "演示督办员"), "demo-samr": ("unit", "SAMR", "市场监管局经办人"),
                 "demo-water": ("unit", "WATER-GROUP", "水务集团经办人")}


def add_demo_accounts(settings: Settings) -> None:
    if settings.env == "production":
        return
    hashed = passwords.hash_password(DEMO_PASSWORD)

    async def add(conn):
        for username, (role, unit, name) in DEMO_ACCOUNTS.items():
            await staff_store.add_staff(conn, username, name, role, unit, hashed, settings.clock().now())
    asyncio.run(_with_conn(settings, add))
