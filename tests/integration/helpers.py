"""Small tools the integration tests share: events as records, read and write topics, wait for a
condition, a pool on one schema."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Container
from datetime import datetime
from itertools import groupby
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from shared.contracts.envelope import Envelope
from shared.contracts.events import Event
from shared.settings import Settings

Message = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers: what `produce` sends


def record(payload: Event, source: str = "/hotline/test", *, time: datetime | None = None,
           envelope_id: uuid.UUID | None = None) -> Message:
    """A payload in a fresh CloudEvents envelope (its id `envelope_id` when given), ready to produce."""
    envelope = Envelope.wrap(payload, source=source, time=time)
    headers = envelope.headers()
    if envelope_id:
        headers["ce_id"] = str(envelope_id)
    return envelope.key(), envelope.body(), [(k, v.encode()) for k, v in headers.items()]


def consumer_record(payload: Event, offset: int, *, topic: str = "t", time: datetime | None = None) -> ConsumerRecord:
    """A payload as the consumer would receive it at `offset` of partition 0, for feeding a consumer directly."""
    key, value, headers = record(payload, "/test", time=time)
    return ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, 0, 0, headers)


async def send(settings: Settings, *payloads: Event, source: str = "/hotline/test") -> None:
    """Publish each payload to its (prefixed) topic, in the order given (a run on one topic goes at once)."""
    for topic, run in groupby(payloads, key=lambda p: p.topic):
        await produce(settings.kafka_bootstrap, settings.topic(topic), [record(p, source) for p in run])


async def read_topic(bootstrap: str, topic: str, *, expect: int, keys: Container[bytes] | None = None,
                     match: Callable[[ConsumerRecord], bool] | None = None,
                     timeout: float = 20.0, options: dict[str, Any] | None = None) -> list[ConsumerRecord]:
    """Read a topic from the beginning until `expect` records arrived (or time runs out).

    With `keys` (or a `match` predicate), only records with those keys count and are
    returned: the topics of a test run are shared by all its tests. `options` are the
    client's TLS and SASL settings where the broker asks for them.
    """
    if match is None:
        match = (lambda r: True) if keys is None else (lambda r: r.key in keys)
    consumer = AIOKafkaConsumer(topic, **{**(options or {}), "bootstrap_servers": bootstrap},
                                group_id=f"reader-{uuid.uuid4()}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for partition_records in batch.values():
                records.extend(r for r in partition_records if match(r))
        # a short grace period shows records that should not be there (duplicates)
        for partition_records in (await consumer.getmany(timeout_ms=500)).values():
            records.extend(r for r in partition_records if match(r))
    finally:
        await consumer.stop()
    return records


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for key, value, headers in messages:
            await producer.send(topic, value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@contextlib.asynccontextmanager
async def emptied_pool(database_url: str, schema: str, table: str):
    """A pool on one service's schema with `table` emptied first: a module's tests share its database."""
    pool = await asyncpg.create_pool(database_url, server_settings={"search_path": schema})
    try:
        await pool.execute(f"DELETE FROM {table}")
        yield pool
    finally:
        await pool.close()
