"""The Kafka broker every service uses, with safe defaults, and the outbox relay's producer.

Defaults that decide whether data is lost: the producer is idempotent (which implies
acks=all); subscribers acknowledge manually, after the batch's transaction committed and
its dead letters were published. faststream's own default (auto-commit before handling)
would lose a batch when the process dies mid-way, so it is never used here.
"""

import asyncio
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from shared.kafka.security import broker_security, client_options
from shared.settings import Settings


def create_broker(settings: Settings, service: str) -> KafkaBroker:
    return KafkaBroker(
        # a list: faststream passes a plain string on as one host name, "a:1,b:2" included
        [server.strip() for server in settings.kafka_bootstrap.split(",")],
        client_id=f"hotline-{service}",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        allow_auto_create_topics=False,  # topics and partitions come from `hotline topics`
        ack_policy=AckPolicy.MANUAL,
        security=broker_security(settings),
        graceful_timeout=10.0,
        logger=logging.getLogger(f"hotline.{service}.kafka"),
        log_level=logging.DEBUG,
    )


class RecordSender:
    """The outbox relay's own producer: idempotent (acks=all), sends stored records as they are.

    The relay's records are bytes with their headers already; faststream's publish path
    (command, middlewares, codec) cost more CPU per record than aiokafka's send itself, and the
    relay sends every event the service emits.
    """

    def __init__(self, settings: Settings, service: str) -> None:
        # No linger: the relay hands over a whole claimed batch before it waits, so the records
        # are batched anyway, and each hop of an appeal would otherwise wait the linger.
        self._producer = AIOKafkaProducer(**client_options(settings), client_id=f"hotline-{service}-relay",
                                          enable_idempotence=True, linger_ms=0)

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def __call__(self, topic: str, key: bytes, headers: dict[str, str],
                       body: bytes) -> "asyncio.Future[RecordMetadata]":
        """Send one record without waiting; returns the delivery future (the relay gathers them)."""
        delivery: asyncio.Future[RecordMetadata] = await self._producer.send(
            topic, body, key=key, headers=[(name, value.encode()) for name, value in headers.items()])
        return delivery
