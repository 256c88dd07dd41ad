"""The bench's load: submissions like a phone channel's, sent at a fixed rate or all at once."""

import asyncio
import json
import time
import zlib
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from shared.kafka.security import client_options
from shared.settings import Settings

TEXTS = ("太原街一家超市乱收费，标价和结账价格不一致。", "阳光小区停水两天了，自来水公司没人来修。",
         "幸福家园三天两头停电，供电部门不给说法。", "中街一家药店卖过期药品，要求查处。")
DISTRICTS = ("和平区", "沈河区", "铁西区", "浑南区", "皇姑区", "大东区")


def submission(run: str, i: int) -> tuple[bytes, bytes]:
    """The i-th submission of a phase: (key = its channel message id, JSON body)."""
    message_id = f"bench-{run}-{i}"
    body = {"channel": "phone", "channel_message_id": message_id, "district": DISTRICTS[i % len(DISTRICTS)],
            "description": TEXTS[i % len(TEXTS)], "appeal_type": "consumer_complaint",
            "category": ("prices", "water_supply", "power_supply", "food_medicine")[i % 4],
            # a phone per submission: one petitioner repeating an open problem would be merged
            "petitioner": {"name": "张伟", "phone": f"13{zlib.crc32(message_id.encode()) % 10**9:09d}"}}
    return message_id.encode(), json.dumps(body, ensure_ascii=False).encode()


async def produce_all(kafka: Settings, topic: str, phase: str, count: int) -> None:
    """Send `count` submissions of one phase (`phase` tags their ids) as fast as Kafka takes them,
    as the Kafka client `kafka` describes (its broker, TLS and identity)."""
    producer = AIOKafkaProducer(**client_options(kafka), enable_idempotence=True, linger_ms=5)
    await producer.start()
    for i in range(count):
        key, value = submission(phase, i)
        await producer.send(topic, value, key=key)
    await producer.flush()
    await producer.stop()


async def produce_paced(kafka: Settings, topic: str, phase: str, rate: float, total: int,
                        on_send: Callable[[bytes], None]) -> None:
    """Send `total` submissions at `rate` per second; `on_send(key)` just before each goes."""
    producer = AIOKafkaProducer(**client_options(kafka), enable_idempotence=True, linger_ms=1)
    await producer.start()
    started = time.monotonic()
    for i in range(total):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        key, value = submission(phase, i)
        on_send(key)
        await producer.send(topic, value, key=key)
    await producer.stop()
