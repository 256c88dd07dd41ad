"""Every place this project reaches into faststream's internals, in one module.

These patches were written against the faststream version pinned in pyproject.toml and
checked at import: a different version refuses to start until someone has re-checked them.
When upgrading faststream, re-check each item below, then change `TESTED_WITH`:

1. `install_batch_poll`: the batch subscriber still polls through a method named `get_msg(consumer)`
   and still keeps `batch_timeout_ms` and `max_records` on itself; its own `get_msg` still sleeps
   after an empty poll (if not, the patch may go).
2. `tolerate_undecodable_headers`: a custom `parser` still receives `(records, original_parser)`, and
   the original batch parser still raises UnicodeDecodeError on a non-UTF-8 header.
3. `document_payloads`: the AsyncAPI generator still reads the payload schema from the handler's
   signature (`__signature__`) when the handler is registered.
4. `current_message`: `broker.context.get_local("message")` still returns the message being handled,
   and a KafkaMessage of the real broker still carries the aiokafka consumer as `.consumer`
   (used by `shared.kafka.offsets` and the lag metric).
The integration tests tests/integration/test_consumer_*.py exercise all four.
"""

import dataclasses
import importlib.metadata
import inspect
import types
from collections.abc import Awaitable, Callable, Sequence
from itertools import chain
from typing import Any, Union

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

TESTED_WITH = "0.7.8"

INSTALLED = importlib.metadata.version("faststream")
if INSTALLED != TESTED_WITH:  # pragma: no cover - only on an upgrade
    raise RuntimeError(
        f"faststream {INSTALLED} is installed; shared/kafka/faststream_compat.py patches "
        f"faststream {TESTED_WITH}. Re-check the four items in that module's docstring, then set TESTED_WITH."
    )


def install_batch_poll(subscriber: Any) -> None:
    """Replace the batch subscriber's poll by `_next_batch` (item 1)."""
    if not callable(getattr(type(subscriber), "get_msg", None)):
        raise RuntimeError(f"{type(subscriber).__name__} has no get_msg to replace: see faststream_compat")
    subscriber.get_msg = types.MethodType(_next_batch, subscriber)


async def _next_batch(subscriber: Any, consumer: AIOKafkaConsumer) -> tuple[ConsumerRecord, ...]:
    """The next batch of records, or () when none came within the poll.

    Replaces faststream's BatchSubscriber.get_msg, which sleeps batch_timeout_ms after an empty
    poll: a record arriving during that sleep waited for it, at every hop. At a city's usual
    rate of a few appeals a second most polls are empty, so every hop paid up to 50 ms (p95 of
    intake's wait 58 ms at 5 appeals/s).
    """
    batches = await consumer.getmany(timeout_ms=subscriber.batch_timeout_ms, max_records=subscriber.max_records)
    return tuple(chain.from_iterable(batches.values()))


async def tolerate_undecodable_headers(
    records: tuple[ConsumerRecord, ...], original_parser: Callable[[Any], Awaitable[Any]],
) -> Any:
    """faststream's batch parser decodes every header as UTF-8; one record with a header that is
    not (a hostile or broken producer) made it raise before the pipeline ran, so the whole batch
    was never processed nor dead-lettered. Parse a copy without the undecodable headers and keep
    the untouched records as the raw message: the pipeline reads those and dead-letters the bad
    one (decode_headers -> MalformedEvent), the rest of the batch is applied (item 2)."""
    try:
        return await original_parser(records)
    except UnicodeDecodeError:
        cleaned = tuple(dataclasses.replace(r, headers=[(k, v) for k, v in r.headers if _is_utf8(v)])
                        for r in records)
        message = await original_parser(cleaned)
        message.raw_message = records
        return message


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


def document_payloads(handler: Callable[..., Any], models: Sequence[type]) -> None:
    """Annotate the handler's (always empty) `events` parameter with the payloads the service
    handles: faststream's AsyncAPI generator reads the schema from that annotation (item 3)."""
    payload: Any = list[Union[tuple(models)]] if models else list  # type: ignore[misc]  # noqa: UP007
    handler.__annotations__ = {**handler.__annotations__, "events": payload}
    handler.__signature__ = inspect.signature(handler).replace(parameters=[  # type: ignore[attr-defined]
        inspect.Parameter("events", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=payload),
    ])


def current_message(broker: KafkaBroker) -> KafkaMessage:
    """The message being handled (item 4). Read from faststream's context rather than through a
    `KafkaMessage` parameter: fast_depends resolves that parameter by running a sync
    `Context.use` in a worker thread, a thread hand-off with its context switches per batch."""
    message: KafkaMessage = broker.context.get_local("message")
    return message
