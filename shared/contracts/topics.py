"""The topic registry: every topic, the service that writes it, and its partition count.

Partitions bound how many replicas of a consuming service can share the work, so every
appeal topic gets the same generous count; events are keyed by appeal id so one appeal's
events stay in order inside one partition.
"""

from dataclasses import dataclass

SUBMISSIONS = "hotline.intake.submissions.v1"
INTAKE = "hotline.intake.v1"
ROUTING = "hotline.routing.v1"
UNIT_ACTIONS = "hotline.units.actions.v1"
SLA = "hotline.sla.v1"
# Notices addressed to responsible units (reminders, overdue, supervision, supervision orders),
# keyed by unit code: what a unit's own system consumes.
UNIT_NOTICES = "hotline.units.notices.v1"
PUBLICATION = "hotline.publication.v1"
PUBLIC = "hotline.public.v1"
ASSESSMENT = "hotline.assessment.v1"
# What must reach a petitioner (SMS): holds phone numbers and one-time secrets, so restricted.
NOTIFICATIONS = "hotline.notifications.v1"

SERVICES = ("intake", "routing", "sla", "publication", "assessment")
SUBMISSIONS_RETENTION_MS = 7 * 24 * 3600 * 1000


def dead_letter_topic(service: str) -> str:
    """Name the topic where `service` parks messages it can never process."""
    return f"hotline.deadletter.{service}.v1"


@dataclass(frozen=True)
class Topic:
    name: str
    writer: str  # the service (or outside party) that publishes to it
    partitions: int = 6
    retention_ms: int = -1  # appeal history is the replay source: keep it
    # Holds personal data or secrets: only its writer and its named readers may be granted
    # access (ACLs), and it is never mirrored to a public place.
    restricted: bool = False
    readers: tuple[str, ...] = ()


TOPICS: tuple[Topic, ...] = (
    # A command, not history: once intake has decided a submission its own database is the
    # record, and nothing replays this topic. A week covers an intake outage and the dead-letter
    # review; the petitioners' data in it is then gone (docs/personal-data.md).
    Topic(SUBMISSIONS, writer="channel adapters", retention_ms=SUBMISSIONS_RETENTION_MS),
    Topic(INTAKE, writer="intake"),
    Topic(UNIT_ACTIONS, writer="responsible units"),
    Topic(ROUTING, writer="routing"),
    Topic(SLA, writer="sla"),
    Topic(UNIT_NOTICES, writer="sla"),
    Topic(PUBLICATION, writer="publication"),
    Topic(PUBLIC, writer="publication"),
    Topic(ASSESSMENT, writer="assessment", partitions=1),
    # Short retention: a message is worth delivering for a day; phone numbers are not kept.
    Topic(NOTIFICATIONS, writer="intake", restricted=True, readers=("sms gateway",),
          retention_ms=7 * 24 * 3600 * 1000),
    *(
        Topic(dead_letter_topic(s), writer=s, partitions=1, retention_ms=30 * 24 * 3600 * 1000)
        for s in SERVICES
    ),
)
