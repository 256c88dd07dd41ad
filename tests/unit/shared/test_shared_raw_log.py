"""read_ranges (shared/kafka/raw_log.py) over fetch responses as a broker sends them: exactly the
records of each range, in log order, control batches skipped, a corrupt batch refused, a moved
leader fetched again. The batches are built with aiokafka's own builder, so these tests also
check the parts of aiokafka the reader relies on (its record batches, FetchRequest, the client's
`send` and cluster metadata as called here) after an upgrade."""

import struct
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    CorruptRecordException,
    KafkaTimeoutError,
    NotLeaderForPartitionError,
    OffsetOutOfRangeError,
)
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.util import calc_crc32c

from shared.kafka import raw_log

TP = TopicPartition("t", 0)
OTHER = TopicPartition("u", 1)


def batch(base: int, count: int, *, control: bool = False, partition: str = "t") -> bytes:
    """A format-v2 record batch of `count` records from offset `base`, as a broker stores it."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=2**20)
    for delta in range(count):
        offset = base + delta
        builder.append(delta, timestamp=None, key=None, value=f"{partition}{offset}".encode(),
                       headers=[("ce_id", str(offset).encode())])
    raw = bytearray(builder.build())
    raw[0:8] = struct.pack(">q", base)  # the broker sets the base offset (outside the CRC)
    if control:  # a transaction marker: the control bit of the attributes, the CRC made again
        raw[21:23] = struct.pack(">h", struct.unpack(">h", raw[21:23])[0] | 0x20)
        raw[17:21] = struct.pack(">I", calc_crc32c(bytes(raw[21:])))
    return bytes(raw)


class Broker:
    """One node leading every partition; answers fetches from the logs given, batch by batch
    from the one holding the fetch offset, at most `per_fetch` batches a fetch and the start of
    the next one (cut short by the fetch size, as a broker sends it)."""

    def __init__(self, logs: dict[TopicPartition, list[bytes]], per_fetch: int = 2, errors=()):
        self.logs, self.per_fetch, self.errors = logs, per_fetch, list(errors)
        self.requests: list[FetchRequest] = []
        self.metadata_updates = 0
        self.cluster = SimpleNamespace(leader_for_partition=lambda tp: 0)

    def force_metadata_update(self):
        self.metadata_updates += 1

    async def send(self, node, request):
        assert node == 0 and isinstance(request, FetchRequest)
        self.requests.append(request)
        topics = []
        for topic, partitions in request.topics:
            answered = []
            for partition, offset, max_bytes in partitions:
                assert max_bytes == raw_log.MAX_PARTITION_BYTES
                tp = TopicPartition(topic, partition)
                if self.errors:
                    answered.append((partition, self.errors.pop(0).errno, -1, -1, -1, [], b""))
                    continue
                held = [b for b in self.logs[tp] if struct.unpack(">q", b[:8])[0] + _count(b) > offset]
                answered.append((partition, 0, -1, -1, -1, [], b"".join(held[:self.per_fetch]) + b"".join(held[self.per_fetch:])[:40]))
            topics.append((topic, answered))
        return SimpleNamespace(topics=topics)


def _count(raw: bytes) -> int:
    return struct.unpack(">i", raw[57:61])[0] or 1  # the record count of a v2 batch


async def read(broker: Broker, starts, ends) -> dict[TopicPartition, list[tuple[int, bytes | None, list]]]:
    got: dict[TopicPartition, list[tuple[int, bytes | None, list]]] = {}
    consumer = SimpleNamespace(_client=broker)
    async for tp, records in raw_log.read_ranges(consumer, starts, ends):
        got.setdefault(tp, []).extend((r.offset, r.value, list(r.headers)) for r in records)
    return got


async def test_exactly_each_range_in_log_order_without_control_records():
    logs = {TP: [batch(0, 3), batch(3, 1, control=True), batch(4, 4), batch(8, 2)],
            OTHER: [batch(0, 5, partition="u"), batch(5, 5, partition="u")]}
    broker = Broker(logs, per_fetch=1)
    got = await read(broker, {TP: 1, OTHER: 0}, {TP: 9, OTHER: 10})
    assert [o for o, *_ in got[TP]] == [1, 2, 4, 5, 6, 7, 8]  # 0 before the range, 3 a marker, 9 after it
    assert [o for o, *_ in got[OTHER]] == list(range(10))
    assert got[TP][0] == (1, b"t1", [("ce_id", b"1")])
    assert len(broker.requests) == 4, "a fetch per batch of t (the last one cut short is fetched again)"


async def test_an_empty_range_is_not_fetched():
    broker = Broker({TP: [batch(0, 3)]})
    assert await read(broker, {TP: 3}, {TP: 3}) == {}
    assert broker.requests == []


async def test_a_corrupt_batch_is_refused():
    damaged = bytearray(batch(0, 3))
    damaged[-3] ^= 0xFF
    with pytest.raises(CorruptRecordException):
        await read(Broker({TP: [bytes(damaged)]}), {TP: 0}, {TP: 3})


async def test_a_moved_leader_is_looked_up_and_fetched_again(monkeypatch):
    monkeypatch.setattr(raw_log, "RETRY_BACKOFF", 0)
    broker = Broker({TP: [batch(0, 3)]}, errors=[NotLeaderForPartitionError, NotLeaderForPartitionError])
    assert [o for o, *_ in (await read(broker, {TP: 0}, {TP: 3}))[TP]] == [0, 1, 2]
    assert broker.metadata_updates == 2


async def test_a_lasting_or_final_error_is_raised(monkeypatch):
    monkeypatch.setattr(raw_log, "RETRY_BACKOFF", 0)
    with pytest.raises(NotLeaderForPartitionError):
        await read(Broker({TP: [batch(0, 3)]}, errors=[NotLeaderForPartitionError] * 50), {TP: 0}, {TP: 3})
    with pytest.raises(OffsetOutOfRangeError):  # the head deleted meanwhile: no point fetching again
        await read(Broker({TP: [batch(0, 3)]}, errors=[OffsetOutOfRangeError]), {TP: 0}, {TP: 3})


async def test_a_broker_that_answers_with_nothing_is_given_up_on(monkeypatch):
    monkeypatch.setattr(raw_log, "RETRY_BACKOFF", 0)
    with pytest.raises(KafkaTimeoutError):  # the records below the end offset are not there
        await read(Broker({TP: [batch(0, 3)]}), {TP: 0}, {TP: 5})
