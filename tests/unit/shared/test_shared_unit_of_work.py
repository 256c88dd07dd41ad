"""A unit of work whose commit fails passes the cause on (the consumer retries a dropped
connection, and dead-letters only what can never be applied)."""

import asyncpg
import pytest

from shared.db import is_transient
from shared.unit_of_work import UnitOfWork


class FailingCommit:
    def __init__(self, error: Exception) -> None:
        self.error, self.rolled_back = error, False

    async def start(self) -> None: ...

    async def commit(self) -> None:
        raise self.error

    async def rollback(self) -> None:
        self.rolled_back = True


class Connection:
    def __init__(self, transaction: FailingCommit, open_after_failure: bool) -> None:
        self._transaction, self._open = transaction, open_after_failure

    def transaction(self) -> FailingCommit:
        return self._transaction

    def is_in_transaction(self) -> bool:
        return self._open

    async def execute(self, *args: object) -> None: ...


class Acquired:
    def __init__(self, conn: Connection) -> None:
        self.conn, self.released = conn, False

    async def __aenter__(self) -> Connection:
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        self.released = True


class Pool:
    def __init__(self, conn: Connection) -> None:
        self.acquired = Acquired(conn)

    def acquire(self) -> Acquired:
        return self.acquired


@pytest.mark.parametrize("open_after_failure", [True, False])
async def test_a_commit_that_loses_its_connection_raises_that_error_and_releases_the_connection(open_after_failure):
    transaction = FailingCommit(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    pool = Pool(Connection(transaction, open_after_failure))
    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError) as raised:
        async with UnitOfWork(pool, "/hotline/test"):  # type: ignore[arg-type]
            pass
    assert is_transient(raised.value)
    assert transaction.rolled_back is open_after_failure
    assert pool.acquired.released


async def test_a_connection_that_cannot_even_say_whether_it_is_in_a_transaction_still_raises_the_cause():
    class Gone(Connection):
        def is_in_transaction(self) -> bool:
            raise asyncpg.exceptions.InterfaceError("connection is closed")

    transaction = FailingCommit(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    pool = Pool(Gone(transaction, open_after_failure=True))
    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        async with UnitOfWork(pool, "/hotline/test"):  # type: ignore[arg-type]
            pass
    assert pool.acquired.released


class Committing(FailingCommit):
    async def commit(self) -> None: ...


async def test_the_services_last_word_rewrites_events_before_they_are_stored(monkeypatch):
    """Intake's contact guard runs here: what reaches the outbox is what the hook returned."""
    import dataclasses
    import uuid

    from shared import outbox
    from shared.contracts.events import AppealClosed

    stored: list = []

    async def store(conn, envelopes) -> None:
        stored.extend(envelopes)

    async def closed_an_hour_later(conn, pending):
        return [dataclasses.replace(e, data=e.data.model_copy(update={"closed_at": e.data.closed_at.replace(hour=1)}))
                for e in pending]

    monkeypatch.setattr(outbox, "store", store)
    pool = Pool(Connection(Committing(RuntimeError()), open_after_failure=False))
    async with UnitOfWork(pool, "/hotline/test", before_store=closed_an_hour_later) as uow:  # type: ignore[arg-type]
        uow.emit(AppealClosed(appeal_id=uuid.uuid4(), closed_at="2026-03-02T00:00:00+00:00"))
    assert [e.data.closed_at.hour for e in stored] == [1]
