"""One database transaction in which a handler changes state and emits events."""

from collections.abc import Callable
from datetime import datetime

import asyncpg

from shared import outbox
from shared.contracts.envelope import Envelope
from shared.contracts.events import Event


class UnitOfWork:
    """A connection in a transaction plus the events to store with it.

    Events go to the outbox in the same transaction as the state change, so either both
    happen or neither; after commit the relay is woken so they reach Kafka promptly.
    """

    def __init__(self, pool: asyncpg.Pool, source: str, on_commit: Callable[[], None] = lambda: None):
        self._pool = pool
        self._source = source
        self._on_commit = on_commit
        self.pending: list[Envelope] = []
        self.conn: asyncpg.Connection

    def emit(self, data: Event, *, time: datetime | None = None) -> Envelope:
        envelope = Envelope.wrap(data, source=self._source, time=time)
        self.pending.append(envelope)
        return envelope

    async def __aenter__(self) -> "UnitOfWork":
        self._acquired = self._pool.acquire()
        self.conn = await self._acquired.__aenter__()
        self._tx = self.conn.transaction()
        await self._tx.start()
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                await outbox.store(self.conn, self.pending)
                await self._tx.commit()
            else:
                await self._tx.rollback()
        except BaseException:
            if not self._tx.is_completed():
                await self._tx.rollback()
            raise
        finally:
            await self._acquired.__aexit__(None, None, None)
        if exc_type is None and self.pending:
            self._on_commit()


class UnitOfWorkFactory:
    """Makes units of work for one service: its pool, its CloudEvents source, its relay."""

    def __init__(self, pool: asyncpg.Pool, service: str, on_commit: Callable[[], None] = lambda: None):
        self.pool = pool
        self.service = service
        self.on_commit = on_commit

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.pool, f"/hotline/{self.service}", self.on_commit)
