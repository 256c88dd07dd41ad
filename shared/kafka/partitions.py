"""Reading the Kafka log from the beginning, for services that rebuild a read model (replay)."""

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.security import client_options
from shared.settings import Settings


async def topic_partitions(settings: Settings, names: list[str]) -> list[TopicPartition]:
    """Every partition of the named (physical) topics, in order; refuses topics that do not exist."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    missing = [d["topic"] for d in described if d["error_code"] != 0]
    if missing:
        raise RuntimeError(f"topics missing (run `hotline topics`): {', '.join(missing)}")
    return sorted(TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"])
