"""PostgreSQL pools: one per service, bound to that service's own schema."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import cast

import asyncpg

log = logging.getLogger(__name__)

# Errors after which the same work may succeed if tried again (the database restarted,
# a connection dropped, a serialisation conflict): never a reason to dead-letter.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.QueryCanceledError,
)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS)


@contextlib.asynccontextmanager
async def connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection from the pool, typed as the Connection the adapters take: the pool's proxy
    forwards every Connection method (as in shared/unit_of_work.py)."""
    async with pool.acquire() as proxy:
        yield cast(asyncpg.Connection, proxy)


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 8,
                      statement_cache_size: int = 100) -> asyncpg.Pool:
    """Open a pool whose connections see `schema` first, retrying while the server starts."""
    from shared.loops import Backoff  # imported here: shared.loops imports this module

    backoff = Backoff(first=0.2, limit=5.0)
    for attempt in range(1, 31):
        try:
            return await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                server_settings={"search_path": schema, "application_name": f"hotline-{schema}"},
                command_timeout=30,
                reset=_nothing_to_reset,
                # 0 behind PgBouncer in transaction mode, where a prepared statement may
                # meet another server connection (HOTLINE_DB_STATEMENT_CACHE_SIZE)
                statement_cache_size=statement_cache_size,
            )
        except TRANSIENT_ERRORS as exc:
            log.warning("database not reachable (attempt %d): %s", attempt, exc)
            await asyncio.sleep(backoff.next())
    raise RuntimeError(f"database at {_without_password(dsn)} unreachable after 30 attempts")


async def _nothing_to_reset(_conn: asyncpg.Connection) -> None:
    """asyncpg's default reset sends a query on every release (RESET ALL, UNLISTEN, unlock all,
    CLOSE ALL): a round trip per transaction. Our code keeps no session state - locks are
    transaction-scoped, nothing LISTENs or SETs, cursors live inside transactions - and asyncpg
    still rolls back a transaction left open before calling this."""


def _without_password(dsn: str) -> str:
    head, sep, tail = dsn.rpartition("@")
    if not sep:
        return dsn
    scheme, _, userinfo = head.partition("://")
    return f"{scheme}://{userinfo.split(':')[0]}@{tail}"
