"""Whole partitions read fast, for a replay: the record batches as the broker sends them.

aiokafka's consumer turns every record into a ConsumerRecord in Python (it unpacks the batch,
then builds a named tuple): some 3.6 us a record, a sixth of what a replayed event costs. A
replay needs none of what that buys (positions kept for it, rebalances, commits): it reads
fixed offset ranges once. So this sends the fetch requests itself and hands over aiokafka's C
record batches, whose records give their offset, value and headers in about 1 us.

It leans on three parts of aiokafka outside its documented API, pinned with aiokafka in
pyproject.toml: the consumer's client (`consumer._client`: its connections, cluster metadata
and `send`), `aiokafka.protocol.fetch.FetchRequest` and `aiokafka.record.memory_records`.
They are what aiokafka's own fetcher uses; tests/unit/shared/test_shared_raw_log.py and
tests/integration/test_replay_log.py check each use, so an aiokafka upgrade that moves them fails
there first. librdkafka (confluent-kafka) was measured as the documented alternative and was
slower here (services/assessment/README.md, "Performance").

What it keeps of the consumer's contract: log order per partition, every batch's CRC checked
(a corrupt one raises CorruptRecordException), control batches skipped, records of a batch
before the range (a compressed batch starting earlier) or at its end left out. Not kept: it
does not hide aborted transactions (read_uncommitted, as the services' consumers read).
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka import errors as kafka_errors
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords

log = logging.getLogger(__name__)
MAX_WAIT_MS = 100
MAX_PARTITION_BYTES = 16 * 2**20  # a replay reads whole partitions: few, large round trips
MAX_BYTES = 64 * 2**20
RETRIES = 10  # fetch rounds in a row without any data before a retriable error is given up on
RETRY_BACKOFF = 0.2  # seconds
_READ_UNCOMMITTED = 0


class RawRecord(Protocol):
    """A record of a fetched batch (aiokafka's C DefaultRecord)."""

    @property
    def offset(self) -> int: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


async def read_ranges(consumer: AIOKafkaConsumer, starts: dict[TopicPartition, int],
                      ends: dict[TopicPartition, int]) -> AsyncIterator[tuple[TopicPartition, Iterable[RawRecord]]]:
    """The records of each partition from `starts[tp]` up to, not including, `ends[tp]`, a batch at
    a time, in log order per partition. `consumer` is started; no partition need be assigned to it.
    The next fetch is in flight while the caller goes through the batches of the last one."""
    client: Any = consumer._client  # see the module's docstring
    positions = dict(starts)
    pending = {tp for tp, end in ends.items() if end > positions[tp]}
    fetching = asyncio.ensure_future(_fetch(client, positions, pending)) if pending else None
    failures = 0
    try:
        while fetching is not None:
            fetched = await fetching
            failures = failures + 1 if not fetched else 0
            batches = []
            for tp, raw in fetched:
                batches += _batches(tp, raw, positions)
                if positions[tp] >= ends[tp]:
                    pending.discard(tp)
            fetching = asyncio.ensure_future(_fetch(client, positions, pending, failures)) if pending else None
            for tp, batch, first in batches:
                end = ends[tp]
                base = getattr(batch, "base_offset", None)  # format v2; the older ones are filtered
                if base is not None and base >= first and batch.next_offset <= end:
                    yield tp, batch
                else:
                    yield tp, (r for r in batch if first <= r.offset < end)
    finally:  # left early (the caller stopped or failed): the fetch in flight is not wanted
        if fetching is not None:
            fetching.add_done_callback(_retrieve)
            fetching.cancel()


def _retrieve(fetch: "asyncio.Future[Any]") -> None:
    if not fetch.cancelled():
        fetch.exception()  # seen, so not reported as "never retrieved"; the caller's error is the one


def _batches(tp: TopicPartition, raw: bytes, positions: dict[TopicPartition, int]) -> list[tuple[TopicPartition, Any, int]]:
    """The data batches of a fetched partition (with the offset the records are taken from),
    CRCs checked; the partition's position moved past them. A trailing batch the fetch size cut
    short is not given (MemoryRecords leaves it out): the next fetch starts at it."""
    found = []
    records = MemoryRecords(raw)
    while records.has_next():
        batch = records.next_batch()
        if batch is None:
            break
        if not batch.validate_crc():
            raise kafka_errors.CorruptRecordException(f"Invalid CRC - {tp} at offset {positions[tp]}")
        if not batch.is_control_batch:  # transaction markers: no record of the log's
            found.append((tp, batch, positions[tp]))
        positions[tp] = batch.next_offset
    return found


async def _fetch(client: Any, positions: dict[TopicPartition, int], pending: set[TopicPartition],
                 failures: int = 0) -> list[tuple[TopicPartition, bytes]]:
    """One fetch round: each pending partition's records from its position, from its leader.
    Partitions whose leader moved or could not be reached are left out (after a metadata
    refresh) and fetched again next round; after RETRIES empty rounds in a row the error is raised
    (or, if the broker gave no error yet no records, a timeout)."""
    if failures:
        await asyncio.sleep(RETRY_BACKOFF)
    by_leader: dict[int, list[TopicPartition]] = {}
    leaderless = []
    for tp in sorted(pending):
        leader = client.cluster.leader_for_partition(tp)  # None: unknown, -1: none now
        if leader is None or leader < 0:
            leaderless.append(tp)
        else:
            by_leader.setdefault(leader, []).append(tp)
    fetched: list[tuple[TopicPartition, bytes]] = []
    problem: Exception | None = None
    if leaderless:
        problem = kafka_errors.LeaderNotAvailableError(f"no leader known for {leaderless}")
    responses = await asyncio.gather(*(client.send(node, _request(tps, positions)) for node, tps in by_leader.items()),
                                     return_exceptions=True)
    for response in responses:
        if isinstance(response, BaseException):
            problem = _retriable(response)
            continue
        for topic, partitions in response.topics:
            for partition, error_code, _highwater, *data in partitions:
                if error_code:
                    problem = _retriable(kafka_errors.for_code(error_code)(f"{topic}/{partition}"))
                elif data[-1]:
                    fetched.append((TopicPartition(topic, partition), data[-1]))
    if problem is not None:
        if failures >= RETRIES:
            raise problem
        log.warning("replay fetch: %s; metadata refreshed, fetching again", problem)
        client.force_metadata_update()
    elif not fetched and failures >= RETRIES:  # no error, yet nothing below the end offsets
        raise kafka_errors.KafkaTimeoutError(f"no records at {[(tp, positions[tp]) for tp in sorted(pending)]}")
    return fetched


def _request(tps: list[TopicPartition], positions: dict[TopicPartition, int]) -> FetchRequest:
    topics: dict[str, list[tuple[int, int, int]]] = {}
    for tp in tps:
        topics.setdefault(tp.topic, []).append((tp.partition, positions[tp], MAX_PARTITION_BYTES))
    return FetchRequest(MAX_WAIT_MS, 1, MAX_BYTES, _READ_UNCOMMITTED, list(topics.items()))


def _retriable(error: BaseException) -> Exception:
    """`error` if fetching again may help (a moved leader, a lost connection); else raised now."""
    if isinstance(error, kafka_errors.KafkaError) and error.retriable:
        retriable: Exception = error
        return retriable
    raise error
