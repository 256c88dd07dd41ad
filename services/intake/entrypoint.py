"""Intake as a process: consumes channel submissions and routing's handling state, serves its API."""

from pathlib import Path

from fastapi import FastAPI

from services.intake import classifier
from services.intake.api import ROUTERS
from services.intake.api.web_entrance import prune_web_entrance
from services.intake.handlers import handlers_for
from services.intake.handlers.forgetting import forget_when_due
from services.intake.handlers.sealing import contact_guard
from shared.contracts import topics
from shared.contracts.events import SubmitAppeal
from shared.runtime import ServiceSpec, create_app
from shared.settings import Settings

SPEC = ServiceSpec(
    name="intake",
    migrations=Path(__file__).parent / "migrations",
    # Routing's topic tells intake when an appeal stops (or starts again) being open: the
    # condition for merging a repeated appeal into it.
    consumes=(topics.SUBMISSIONS, topics.ROUTING),
    handlers=handlers_for,
    routers=ROUTERS,
    # Channel adapters may send the bare JSON body; the topic has only one payload type.
    default_types={topics.SUBMISSIONS: SubmitAppeal.event_type},
    # The classifier (model and taxonomy) is loaded before the consumers start and kept current.
    prepare=classifier.prepare,
    readiness_details=classifier.readiness_details,
    background=(classifier.keep_current, prune_web_entrance, forget_when_due),
    # The petitioner's contact leaves intake only sealed under the appeal's key (docs/personal-data.md).
    before_store=contact_guard,
    # POST /v1/appeals writes to PostgreSQL and its outbox: the entrance takes appeals while
    # Kafka is away (the relay sends them when it is back), so only the database gates /readyz.
    ready_needs=("database",),
    description="Single-point acceptance: every channel's submissions become accepted, "
    "rejected, merged or held appeals with a tracking number. Channel adapters publish SubmitAppeal "
    "(bare JSON is fine), keyed by channel_message_id, the idempotency key; the outcome event on "
    "hotline.intake.v1 carries the same channel_message_id. A record that can never be an appeal "
    "(malformed, or a petitioner field failing its check) goes to hotline.deadletter.intake.v1 with "
    "hotline_dlq_reason '<field>: <reason>'. A private appeal submitted here gets its inquiry code by SMS "
    "(NotifyPetitioner on the restricted hotline.notifications.v1), as do every receipt, reply with its "
    "evaluation token and web phone confirmation. "
    "Routing's AppealReplied / AppealClosed / AppealReopened tell intake whether an appeal is still "
    "open, the condition for merging a repeat into it; AppealDispatched / AppealRedispatched / AppealReturned "
    "which unit may read the petitioner's contact. The contact leaves intake only sealed "
    "(AppealAccepted.sealed_contact, AES-256-GCM under a key per appeal kept here); once the retention "
    "period after the appeal is finished ends (or an admin asks), the key and intake's copy are deleted "
    "and AppealContactForgotten tells the other services to drop what they kept.",
)


def create(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings)
