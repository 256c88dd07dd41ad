"""Parking records that can never be processed, with the reason and the original bytes."""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker

from shared.consumer import DeadLetter
from shared.contracts.topics import dead_letter_topic
from shared.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)


class DeadLetterPublisher:
    """Publishes each letter's record to the service's dead-letter topic, reason in the headers."""

    def __init__(self, broker: KafkaBroker, service: str, topic: str | None = None) -> None:
        self._broker = broker
        self.service = service
        self.topic = topic or dead_letter_topic(service)

    async def __call__(self, letters: Sequence[DeadLetter]) -> None:
        now = datetime.now(UTC).isoformat()
        for letter in letters:
            record = letter.record
            headers = {name: value.decode(errors="replace") for name, value in record.headers}
            headers.update(
                {
                    "hotline_dlq_reason": letter.reason[:1000],
                    "hotline_dlq_service": self.service,
                    "hotline_dlq_source": f"{record.topic}/{record.partition}/{record.offset}",
                    "hotline_dlq_time": now,
                }
            )
            await self._broker.publish(record.value or b"", self.topic, key=record.key, headers=headers)
            DEAD_LETTERS.labels(self.service, record.topic).inc()
            log.warning("dead-lettered %s/%s/%s: %s", record.topic, record.partition, record.offset, letter.reason)
