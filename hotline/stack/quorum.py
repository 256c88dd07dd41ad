"""Which node leads a KRaft cluster's metadata quorum (the active controller).

aiokafka has no DescribeQuorum request and a KRaft broker answers Metadata with a random live
broker as "controller", so this defines DescribeQuorum v0 (API key 55, flexible, unchanged
since Kafka 2.7) on aiokafka's protocol classes. A broker forwards it to the active controller.
It replaces starting a JVM with Kafka's Admin client, which took 5-20 s on a loaded machine.
"""

from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import CompactArray, CompactString, Int16, Int32, Int64, Schema, TaggedFields

METADATA_TOPIC = "__cluster_metadata"

_REPLICAS = CompactArray(("replica_id", Int32), ("log_end_offset", Int64), ("tags", TaggedFields))


class DescribeQuorumResponse_v0(Response):
    API_KEY = 55
    API_VERSION = 0
    SCHEMA = Schema(
        ("error_code", Int16),
        ("topics", CompactArray(
            ("topic_name", CompactString("utf-8")),
            ("partitions", CompactArray(
                ("partition_index", Int32), ("error_code", Int16), ("leader_id", Int32),
                ("leader_epoch", Int32), ("high_watermark", Int64),
                ("current_voters", _REPLICAS), ("observers", _REPLICAS), ("tags", TaggedFields))),
            ("tags", TaggedFields))),
        ("tags", TaggedFields),
    )


class DescribeQuorumRequest_v0(RequestStruct):
    FLEXIBLE_VERSION = True
    API_KEY = 55
    API_VERSION = 0
    RESPONSE_TYPE = DescribeQuorumResponse_v0
    SCHEMA = Schema(
        ("topics", CompactArray(
            ("topic_name", CompactString("utf-8")),
            ("partitions", CompactArray(("partition_index", Int32), ("tags", TaggedFields))),
            ("tags", TaggedFields))),
        ("tags", TaggedFields),
    )


class DescribeQuorumRequest(Request[DescribeQuorumRequest_v0]):
    API_KEY = 55

    def build(self, request_struct_class: type[DescribeQuorumRequest_v0]) -> DescribeQuorumRequest_v0:
        return request_struct_class([(METADATA_TOPIC, [(0, {})], {})], {})


async def quorum_leader(options: dict[str, Any]) -> int:
    """The node id of the active controller, asked through any live broker of the cluster that
    `options` (aiokafka's bootstrap_servers and, where asked for, TLS and SASL) reach."""
    client = AIOKafkaClient(**options, request_timeout_ms=10000)
    await client.bootstrap()
    try:
        answer = (await client.send(client.get_random_node(), DescribeQuorumRequest())).to_object()
    finally:
        await client.close()
    partition = answer["topics"][0]["partitions"][0] if answer["topics"] else {}
    error = answer["error_code"] or partition.get("error_code", -1)
    if error or partition.get("leader_id", -1) < 0:
        raise RuntimeError(f"DescribeQuorum failed: error {error}, answer {answer}")
    return partition["leader_id"]
