"""One database transaction in which a handler changes state and emits events."""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, cast

import asyncpg

from shared import outbox
from shared.contracts.envelope import Envelope
from shared.contracts.events import Event

# A service's last word on what it emits, run in the transaction just before the events are
# stored: intake seals the petitioner's contact here, so no path of its can put it on the log
# in clear (services/intake/handlers/sealing.py).
BeforeStore = Callable[[asyncpg.Connection, list[Envelope[Any]]], Awaitable[list[Envelope[Any]]]]


class UnitOfWork:
    """A connection in a transaction plus the events to store with it.

    Events go to the outbox in the same transaction as the state change, so either both
    happen or neither; after commit the relay is woken so they reach Kafka promptly.
    """

    def __init__(self, pool: asyncpg.Pool, source: str, on_commit: Callable[[], None] = lambda: None,
                 before_store: BeforeStore | None = None):
        self._pool = pool
        self._source = source
        self._on_commit = on_commit
        self._before_store = before_store
        self.pending: list[Envelope[Any]] = []
        self.conn: asyncpg.Connection

    def emit(self, data: Event, *, time: datetime | None = None) -> Envelope[Any]:
        envelope = Envelope.wrap(data, source=self._source, time=time)
        self.pending.append(envelope)
        return envelope

    async def __aenter__(self) -> "UnitOfWork":
        self._acquired = self._pool.acquire()
        # the pool's proxy forwards every Connection method; handlers see a Connection
        self.conn = cast(asyncpg.Connection, await self._acquired.__aenter__())
        self._tx = self.conn.transaction()
        await self._tx.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                if self._before_store is not None and self.pending:
                    self.pending = await self._before_store(self.conn, self.pending)
                await outbox.store(self.conn, self.pending)
                await self._tx.commit()
            else:
                await self._tx.rollback()
        except BaseException:
            # Storing or committing failed. asyncpg has no Transaction.is_completed (calling it
            # raised AttributeError here, hiding the cause: a dropped connection then looked like
            # a bad event to the consumer). Roll back what is still open; a connection that is gone
            # or a transaction asyncpg marked failed cannot, and the pool's release rolls back anyway.
            with contextlib.suppress(Exception):
                if self.conn.is_in_transaction():
                    await self._tx.rollback()
            raise
        finally:
            await self._acquired.__aexit__(None, None, None)
        if exc_type is None and self.pending:
            self._on_commit()


@dataclass(frozen=True)
class UnitOfWorkFactory:
    """Makes units of work for one service: its pool, its CloudEvents source, its relay."""

    pool: asyncpg.Pool
    service: str
    on_commit: Callable[[], None] = lambda: None
    before_store: BeforeStore | None = None

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.pool, f"/hotline/{self.service}", self.on_commit, self.before_store)
