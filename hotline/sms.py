"""SMS-gateway adapters for the notifications port (`hotline.notifications.v1`).

The contract an adapter fulfils (services/intake/README.md, "Notifications port"):
- consume `hotline.notifications.v1` (restricted topic: only intake writes it, only the SMS
  gateway's principal reads it) with its own consumer group; each record is a NotifyPetitioner
  JSON body, key = appeal id (or the notification id);
- send `text` to `phone` (E.164, +86...), at least once; `notification_id` is the idempotency
  key (a redelivered record must not become a second SMS where the gateway can tell);
- never log or forward `phone`, `text` or `code` anywhere else; commit offsets after sending.

Two adapters ship here: `LogFileGateway`, the development adapter behind `hotline sms-log`,
which writes each message to a log file with the phone masked (the file stands in for the
handset, so the text with its code is there); and `RecordingGateway`, the test gateway, which
keeps messages in memory for tests to read the codes a petitioner would receive.
"""

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from shared.contracts import topics
from shared.contracts.events import NotifyPetitioner
from shared.kafka.security import client_options
from shared.settings import Settings

log = logging.getLogger("hotline.sms")


def masked(phone: str) -> str:
    """+8613812345678 -> +86138****5678: enough to tell handsets apart, not enough to call."""
    return phone[:-8] + "****" + phone[-4:] if len(phone) > 8 else "****"


class SmsGateway(Protocol):
    async def send(self, message: NotifyPetitioner) -> None: ...


class LogFileGateway:
    """Development adapter: one JSON line per message, phone masked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, message: NotifyPetitioner) -> None:
        line = json.dumps({"at": message.created_at.isoformat(), "kind": message.kind, "to": masked(message.phone),
                           "tracking_number": message.tracking_number, "text": message.text}, ensure_ascii=False)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class RecordingGateway:
    """Test gateway: keeps every message, so a test can read what the petitioner received."""

    def __init__(self) -> None:
        self.messages: list[NotifyPetitioner] = []
        self._arrived = asyncio.Event()

    async def send(self, message: NotifyPetitioner) -> None:
        self.messages.append(message)
        self._arrived.set()

    async def wait_for(self, match: Callable[[NotifyPetitioner], bool], timeout: float = 30.0) -> NotifyPetitioner:
        async def found() -> NotifyPetitioner:
            while True:
                for m in self.messages:
                    if match(m):
                        return m
                self._arrived.clear()
                await self._arrived.wait()
        return await asyncio.wait_for(found(), timeout)


async def deliver(settings: Settings, gateway: SmsGateway, *, group: str = "sms-gateway",
                  stop: asyncio.Event | None = None) -> None:
    """Consume the notifications port and hand each message to the gateway until `stop` is set."""
    consumer = AIOKafkaConsumer(settings.topic(topics.NOTIFICATIONS), group_id=settings.topic(group),
                                enable_auto_commit=False, auto_offset_reset="earliest", **client_options(settings))
    sent: OrderedDict[str, None] = OrderedDict()  # recent notification ids: a redelivery is not resent
    await consumer.start()
    try:
        while stop is None or not stop.is_set():
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    try:
                        message = NotifyPetitioner.model_validate_json(record.value)
                    except ValidationError as wrong:
                        # The reason names fields only; the record may hold a phone number.
                        fields = ",".join(".".join(map(str, e["loc"])) for e in wrong.errors())
                        log.warning("notification skipped: invalid %s at offset %s", fields, record.offset)
                        continue
                    key = str(message.notification_id)
                    if key in sent:
                        continue
                    await gateway.send(message)
                    sent[key] = None
                    if len(sent) > 10_000:
                        sent.popitem(last=False)
            if batch:
                await consumer.commit()
    finally:
        await consumer.stop()
