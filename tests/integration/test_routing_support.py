"""Helpers for routing's integration tests (this module holds no tests of its own)."""

import uuid
from datetime import UTC, datetime

from services.routing.entrypoint import SPEC
from shared.contracts import topics
from shared.contracts.events import AppealAccepted, Classification, Contact, Event
from tests.integration.helpers import eventually, produce, read_topic, record

__all__ = ["SPEC", "accepted", "publish", "routing_events", "wait_for_state"]


async def publish(settings, topic: str, *payloads: Event) -> None:
    await produce(settings.kafka_bootstrap, settings.topic(topic), [record(p) for p in payloads])


def accepted(*, appeal_type: str = "consumer_complaint", category: str = "prices", district: str = "heping",
             description: str = "太原街超市乱收费，标价和结账价格不一致。") -> AppealAccepted:
    stamp = uuid.uuid4().hex[:8].upper().replace("I", "J").replace("L", "M").replace("O", "P").replace("U", "V")
    return AppealAccepted(
        appeal_id=uuid.uuid4(), tracking_number=f"SY20261130{stamp}", channel="web", appeal_type=appeal_type,
        category=category, district=district, description=description, private=False,
        classification=Classification(method="stated"), accepted_at=datetime.now(UTC),
        contact=Contact(name="李明", phone="13912345678"),
    )


async def wait_for_state(db, appeal_id, state: str, timeout: float = 30.0) -> None:
    async def reached() -> bool:
        return await db.fetchval("SELECT state FROM routing.transfers WHERE appeal_id = $1", appeal_id) == state
    await eventually(reached, timeout=timeout, what=f"appeal {appeal_id} to be {state}")


async def routing_events(settings, appeal_id, expect: int) -> list[str]:
    """The routing event types published for one appeal, in order."""
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=expect,
                               keys={str(appeal_id).encode()})
    return [dict(r.headers)["ce_type"].decode() for r in records]
