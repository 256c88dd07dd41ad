"""In-memory stand-ins for the database side of a use case (cosmicpython's fakes).

A handler runs against `FakeUnitOfWork` and a service's fake store (tests/fakes/<service>.py),
which replaces the functions of the service's SQL adapters for one test: no PostgreSQL, no
Kafka, milliseconds per test. What the SQL itself does stays covered by the integration tests.
"""

from datetime import datetime
from typing import Any

from shared.contracts.envelope import Envelope
from shared.contracts.events import Event


class FakeTransaction:
    """A savepoint that cannot fail: `async with uow.conn.transaction():` in handlers."""

    async def __aenter__(self) -> "FakeTransaction":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class FakeConnection:
    """Stands for `uow.conn`; the fake stores ignore it, so any SQL sent here is a test bug."""

    def transaction(self) -> FakeTransaction:
        return FakeTransaction()

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the handler sent SQL ({name}) past the fake adapters")


class FakeUnitOfWork:
    """What a handler sees of a unit of work: a connection and `emit`; events kept in `pending`."""

    def __init__(self, source: str = "/hotline/test") -> None:
        self.conn = FakeConnection()
        self.source = source
        self.pending: list[Envelope[Any]] = []

    def emit(self, data: Event, *, time: datetime | None = None) -> Envelope[Any]:
        envelope = Envelope.wrap(data, source=self.source, time=time)
        self.pending.append(envelope)
        return envelope

    def emitted(self, kind: type[Event] | None = None) -> list[Any]:
        """The payloads emitted so far (of one type, if given), in order."""
        return [e.data for e in self.pending if kind is None or isinstance(e.data, kind)]


def envelope(data: Event) -> Envelope[Any]:
    """A consumed event as the consumer hands it to a handler."""
    return Envelope.wrap(data, source="/hotline/upstream")


class FakeUnitsOfWork:
    """Stands for `ctx.units_of_work`: each `async with` opens a FakeUnitOfWork; those that
    ended without an exception are kept in `committed` (a failed one rolls back: dropped)."""

    def __init__(self) -> None:
        self.committed: list[FakeUnitOfWork] = []

    def __call__(self) -> "FakeUnitsOfWork._Opened":
        return FakeUnitsOfWork._Opened(self)

    def emitted(self, kind: type[Event] | None = None) -> list[Any]:
        """The payloads committed units of work emitted (of one type, if given), in order."""
        return [data for uow in self.committed for data in uow.emitted(kind)]

    class _Opened:
        def __init__(self, owner: "FakeUnitsOfWork") -> None:
            self.owner, self.uow = owner, FakeUnitOfWork()

        async def __aenter__(self) -> FakeUnitOfWork:
            return self.uow

        async def __aexit__(self, kind: type[BaseException] | None, *exc: object) -> None:
            if kind is None:
                self.owner.committed.append(self.uow)


def fake_context(clock: Any, settings: Any = None) -> Any:
    """A ServiceContext for use cases that take one: the fake connection as the pool, fake units
    of work, the given clock, and the development settings unless others are given."""
    from shared.runtime import ServiceContext
    from shared.settings import Settings

    return ServiceContext(settings or Settings(), FakeConnection(), None, FakeUnitsOfWork(), clock)  # type: ignore[arg-type]
