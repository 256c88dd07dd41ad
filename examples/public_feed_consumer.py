"""A municipal system following the public feed (redacted, no personal data).

    python examples/public_feed_consumer.py       # prints each public change as it happens

hotline.public.v1 carries PublicAppealUpdated events (CloudEvents headers, JSON body), keyed
by tracking number, for appeals the petitioner allowed to be published. The same changes are
served over HTTP with a cursor: GET /v1/public/feed?after=<seq> on the publication service.
"""

import asyncio
import json
import os
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer

BOOTSTRAP = os.environ.get("HOTLINE_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
PREFIX = os.environ.get("HOTLINE_TOPIC_PREFIX", "")


async def public_changes(group_id: str = "city-open-data") -> AsyncIterator[dict]:
    """Yield each public change; offsets are committed after the caller took the item."""
    consumer = AIOKafkaConsumer(PREFIX + "hotline.public.v1", bootstrap_servers=BOOTSTRAP, group_id=group_id,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        while True:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if dict(record.headers).get("ce_type") == b"hotline.public.appeal-updated.v1":
                        yield json.loads(record.value)
            await consumer.commit()
    finally:
        await consumer.stop()


async def main() -> None:
    async for change in public_changes():
        print(change["tracking_number"], change["status"], change.get("unit_name") or "", change.get("summary") or "")


if __name__ == "__main__":
    asyncio.run(main())
