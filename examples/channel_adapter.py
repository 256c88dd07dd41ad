"""A channel adapter in 40 lines: publish one submission, wait for the platform's decision.

    python examples/channel_adapter.py            # against the local stack
    HOTLINE_KAFKA_BOOTSTRAP=... python examples/channel_adapter.py

Contract (README, "For channel-adapter authors"): a SubmitAppeal JSON body on
hotline.intake.submissions.v1 keyed by your channel_message_id; the outcome (AppealAccepted,
AppealRejected, AppealMerged or AppealHeldForReview) appears on hotline.intake.v1 carrying the
same channel_message_id. Sending the same message id again never creates a second appeal.
"""

import asyncio
import json
import os
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

BOOTSTRAP = os.environ.get("HOTLINE_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
PREFIX = os.environ.get("HOTLINE_TOPIC_PREFIX", "")


async def submit(submission: dict, timeout: float = 30.0) -> dict:
    """Publish `submission` and return the platform's decision about it."""
    outcomes = AIOKafkaConsumer(PREFIX + "hotline.intake.v1", bootstrap_servers=BOOTSTRAP,
                                group_id=f"adapter-{uuid.uuid4()}", auto_offset_reset="latest")
    await outcomes.start()
    while not outcomes.assignment():  # be listening before the submission goes out
        await outcomes.getmany(timeout_ms=100)
    for partition in outcomes.assignment():
        await outcomes.position(partition)
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True)
    await producer.start()
    try:
        key = submission["channel_message_id"].encode()
        await producer.send_and_wait(PREFIX + "hotline.intake.submissions.v1",
                                     json.dumps(submission, ensure_ascii=False).encode(), key=key)
        async with asyncio.timeout(timeout):
            while True:
                for records in (await outcomes.getmany(timeout_ms=200)).values():
                    for record in records:
                        event = json.loads(record.value)
                        if event.get("channel_message_id") == submission["channel_message_id"]:
                            return {"type": dict(record.headers)["ce_type"].decode(), **event}
    finally:
        await producer.stop()
        await outcomes.stop()


if __name__ == "__main__":
    decision = asyncio.run(submit({
        "channel": "app", "channel_message_id": f"example-{uuid.uuid4()}", "district": "和平区",
        "description": "太原街一家超市乱收费，标价和结账价格不一致，要求查处。",
        "petitioner": {"name": "王建国", "phone": "13812345678"},
    }))
    print(decision["type"], decision["tracking_number"])
