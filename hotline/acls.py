"""Kafka identities and their ACLs, derived from the topic registry and the services' specs.

Every service is a principal `hotline-<service>` that may write the topics the registry says it
writes (its own events and its dead-letter topic), read the topics its spec consumes and use
its consumer group. Every channel adapter is `hotline-channel-<channel>` and may only write
submissions; the responsible units' gateway `hotline-units` only unit actions; an open-data
reader `hotline-open-data` only reads the public feed. `hotline-admin` (set-up, replay tools)
is a super user of the broker. Nothing else is allowed: StandardAuthorizer denies what no ACL
allows. `hotline acls` prints this list or applies it to a cluster.
"""

from dataclasses import dataclass

from shared.contracts import topics
from shared.contracts.topics import SERVICES, TOPICS
from shared.contracts.vocabulary import Channel
from shared.settings import Settings

ADMIN = "hotline-admin"
UNITS = "hotline-units"
OPEN_DATA = "hotline-open-data"

# Kafka's protocol codes (org.apache.kafka.common.acl / resource)
RESOURCE = {"topic": 2, "group": 3, "cluster": 4}
PATTERN = {"literal": 3, "prefixed": 4}
OPERATION = {"read": 3, "write": 4, "describe": 8}
ALLOW = 3


@dataclass(frozen=True, order=True)
class Acl:
    principal: str  # without the "User:" prefix
    resource: str  # topic | group
    name: str
    operation: str  # read | write | describe
    pattern: str = "literal"

    def line(self) -> str:
        return f"User:{self.principal:<26} {self.operation.upper():<8} {self.resource:<5} {self.pattern:<8} {self.name}"


def service_principal(service: str) -> str:
    return f"hotline-{service}"


def channel_principal(channel: str) -> str:
    return f"hotline-channel-{channel}"


def principals() -> list[str]:
    """Every identity the platform issues credentials to (the admin included)."""
    return [ADMIN, *(service_principal(s) for s in SERVICES), *(channel_principal(c.value) for c in Channel),
            UNITS, OPEN_DATA]


def consumed_by() -> dict[str, tuple[str, ...]]:
    from hotline.registry import service_specs

    return {name: spec.consumes for name, spec in service_specs().items()}


def acls(settings: Settings, consumes: dict[str, tuple[str, ...]] | None = None) -> list[Acl]:
    """The complete allow-list for the physical topics and groups of `settings` (its prefix)."""
    consumes = consumes if consumes is not None else consumed_by()
    t = settings.topic
    found: set[Acl] = set()
    for service in SERVICES:
        who = service_principal(service)
        for topic in TOPICS:
            if topic.writer == service:
                found |= {Acl(who, "topic", t(topic.name), "write"), Acl(who, "topic", t(topic.name), "describe")}
        for name in consumes.get(service, ()):
            found |= {Acl(who, "topic", t(name), "read"), Acl(who, "topic", t(name), "describe")}
        if consumes.get(service):
            found.add(Acl(who, "group", t(f"hotline-{service}"), "read"))
    for channel in Channel:
        who = channel_principal(channel.value)
        found |= {Acl(who, "topic", t(topics.SUBMISSIONS), "write"), Acl(who, "topic", t(topics.SUBMISSIONS), "describe")}
    found |= {Acl(UNITS, "topic", t(topics.UNIT_ACTIONS), "write"), Acl(UNITS, "topic", t(topics.UNIT_ACTIONS), "describe")}
    found |= {Acl(OPEN_DATA, "topic", t(topics.PUBLIC), "read"), Acl(OPEN_DATA, "topic", t(topics.PUBLIC), "describe"),
              Acl(OPEN_DATA, "group", t("open-data-"), "read", "prefixed")}
    return sorted(found)


async def apply(settings: Settings, wanted: list[Acl]) -> int:
    """Create the ACLs on the cluster `settings` reaches (as a principal allowed to alter ACLs,
    e.g. hotline-admin); creating an existing ACL is a no-op in Kafka. Returns how many."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.protocol.admin import CreateAclsRequest

    from shared.kafka.security import client_options

    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        for acl in wanted:
            request = CreateAclsRequest(RESOURCE[acl.resource], acl.name, PATTERN[acl.pattern],
                                        f"User:{acl.principal}", "*", OPERATION[acl.operation], ALLOW)
            response = await admin._send_request(request)
            for code, message in response.creation_responses:
                if code:
                    raise RuntimeError(f"ACL {acl.line()} refused: error {code} {message or ''}".strip())
    finally:
        await admin.close()
    return len(wanted)
