"""SQL for staff accounts and sessions (schema `workbench`)."""

import hashlib
from datetime import datetime

import asyncpg

from services.workbench.domain.accounts import Staff

_STAFF = "username, display_name, role, unit_code"


def token_hash(token: str) -> bytes:
    """Sessions are stored by the hash of their cookie: a copy of the table opens no session."""
    return hashlib.sha256(token.encode()).digest()


async def add_staff(conn: asyncpg.Connection, username: str, display_name: str, role: str, unit_code: str | None,
                    password_hash: str, now: datetime) -> bool:
    """A new account, or a fresh password, role and unit for an existing one (re-enabled)."""
    status = await conn.execute(
        """INSERT INTO staff (username, display_name, role, unit_code, password_hash, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (username) DO UPDATE SET display_name = $2, role = $3, unit_code = $4, password_hash = $5,
               disabled = false, failed_logins = 0, locked_until = NULL""",
        username, display_name, role, unit_code, password_hash, now)
    return status.endswith("1")


async def disable_staff(conn: asyncpg.Connection, username: str) -> bool:
    """Disable the account and end its sessions at once."""
    async with conn.transaction():
        found = await conn.fetchval("UPDATE staff SET disabled = true WHERE username = $1 RETURNING true", username)
        await conn.execute("DELETE FROM sessions WHERE username = $1", username)
    return bool(found)


async def login_record(conn: asyncpg.Connection, username: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_STAFF}, password_hash, disabled, failed_logins, locked_until FROM staff "
        "WHERE username = $1 FOR UPDATE", username)


async def record_failure(conn: asyncpg.Connection, username: str, failed: int, locked_until: datetime | None) -> None:
    await conn.execute("UPDATE staff SET failed_logins = $2, locked_until = COALESCE($3, locked_until) "
                       "WHERE username = $1", username, failed, locked_until)


async def open_session(conn: asyncpg.Connection, token: str, username: str, csrf: str, now: datetime,
                       expires_at: datetime, password_hash: str | None) -> None:
    await conn.execute("UPDATE staff SET failed_logins = 0, locked_until = NULL, "
                       "password_hash = COALESCE($2, password_hash) WHERE username = $1", username, password_hash)
    await conn.execute("INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) "
                       "VALUES ($1, $2, $3, $4, $5)", token_hash(token), username, csrf, now, expires_at)
    # a person's expired sessions go when they log in again; nobody else's are touched
    await conn.execute("DELETE FROM sessions WHERE username = $1 AND expires_at < $2", username, now)


async def session(conn: asyncpg.Connection, token: str, now: datetime) -> tuple[Staff, str] | None:
    """The staff member and CSRF token of a live session of an enabled account."""
    row = await conn.fetchrow(
        f"SELECT {', '.join('s.' + c for c in _STAFF.split(', '))}, x.csrf_token FROM sessions x "
        "JOIN staff s USING (username) WHERE x.token_hash = $1 AND x.expires_at > $2 AND NOT s.disabled",
        token_hash(token), now)
    if row is None:
        return None
    return Staff(row["username"], row["display_name"], row["role"], row["unit_code"]), row["csrf_token"]


async def close_session(conn: asyncpg.Connection, token: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash(token))
