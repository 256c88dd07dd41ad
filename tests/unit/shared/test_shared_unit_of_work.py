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
