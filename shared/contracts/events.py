"""Typed, versioned payloads for every event in the appeal lifecycle.

Rules of the contract: a payload's `event_type` ends in its version; changes within a
version are additive (new optional fields); consumers ignore fields they do not know.
Events are past tense; commands (what channel adapters and units send in) are imperative.
Petitioner identity (ID number, credit code) appears only in SubmitAppeal and stays in
intake's schema. What the handling unit needs to reach the petitioner never travels in
clear on a long-lived topic: intake seals it (AppealAccepted.sealed_contact, AES-256-GCM under
a key per appeal that only intake holds and deletes when the appeal is forgotten) and serves
it to the lead unit and the centre from its API. Publication redacts the name through its
keyed hashes (name_tags). `contact` in clear is only in events written before that
(docs/personal-data.md); AppealContactForgotten tells every service to drop what it kept.
"""

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts import topics
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype

EVENT_TYPES: dict[str, type["Event"]] = {}

# PostgreSQL text cannot hold NUL: refuse it at the contract, not with a 500 from the database.
NO_NUL = r"^[^\x00]*$"
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000, pattern=NO_NUL)]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")]
TrackingNumber = Annotated[str, StringConstraints(pattern=r"^SY\d{8}[0-9A-HJKMNP-TV-Z]{8}$")]


class Event(BaseModel):
    """Base of every payload; subclasses name their type and the topic they travel on."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    event_type: ClassVar[str]
    topic: ClassVar[str]

    def __init_subclass__(cls, *, event_type: str | None = None, topic: str | None = None, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if event_type is not None:
            if event_type in EVENT_TYPES:
                raise TypeError(f"event type {event_type} declared twice")
            if cls.subject is Event.subject:
                raise TypeError(f"{cls.__name__} must define subject(): the Kafka key")
            cls.event_type, cls.topic = event_type, topic or ""
            EVENT_TYPES[event_type] = cls

    def subject(self) -> str:
        """The CloudEvents subject and Kafka key: what the event is about (usually the appeal id).
        Every registered payload defines it."""
        raise NotImplementedError


class AppealEvent(Event):
    appeal_id: UUID = Field(description="Platform-wide appeal id (UUID); the Kafka key")

    def subject(self) -> str:
        return str(self.appeal_id)


# --- the channel adapters' command --------------------------------------------------


class Petitioner(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=18)] | None = None
    enterprise_name: ShortText | None = None
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=18)] | None = None


class SubmitAppeal(Event, event_type="hotline.appeal.submission.v1", topic=topics.SUBMISSIONS):
    """A channel asks the platform to accept an appeal. Idempotent on (channel, channel_message_id)."""

    channel: Channel = Field(description="phone, phone_business_line (12345 key 6), web or app")
    channel_message_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)
    ] = Field(description="The channel's own id for this submission: the idempotency key")
    description: LongText = Field(description="The petitioner's account of the problem")
    district: ShortText = Field(description="District code or Chinese name; outside Shenyang is refused")
    address: ShortText | None = Field(None, description="Where the problem is; never published")
    appeal_type: AppealType | None = Field(None, description="Stated by an operator; else classified")
    subtype: RequestSubtype | None = None
    category: ShortText | None = None
    private: bool = Field(False, description="Petitioner asks that the appeal not be published")
    petitioner: Petitioner
    submitted_at: datetime | None = None

    def subject(self) -> str:
        return f"{self.channel.value}:{self.channel_message_id}"


# --- intake: hotline.intake.v1 ------------------------------------------------------


class Classification(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    method: Literal["stated", "keywords", "business_line", "operator", "model"]
    matched: tuple[str, ...] = Field((), description="Keywords or rule that decided it; for the model, "
                                     "the terms of the text that weighed most for its label")
    confidence: float = Field(1.0, ge=0, le=1)
    model_version: str | None = Field(None, description="The classifier model that decided (method model, "
                                      "or business_line when the model chose the category)")


class Contact(BaseModel):
    """How the handling unit reaches the petitioner. Never published, never logged."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    name: str
    phone: str
    address: str | None = None
    enterprise_name: str | None = None


class SealedContact(BaseModel):
    """A Contact as JSON, sealed with AES-256-GCM under the appeal's own data key (kept only in
    intake's schema). The associated data is the appeal id, so a sealed contact moved to another
    appeal's event does not open. Once intake forgets the appeal the key is gone and so, in
    effect, is every copy of this on the log (crypto-shredding)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    alg: Literal["AES-256-GCM"] = "AES-256-GCM"
    nonce: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16}$")] = Field(
        description="96-bit nonce, base64url without padding")
    ciphertext: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{22,4000}$")] = Field(
        description="Ciphertext and 128-bit tag, base64url without padding")


# Keyed hashes of the petitioner's name and surname (publication's NameTags format, keyed with
# the platform secret): enough to find the name in a text, not to read it.
NameTag = Annotated[str, StringConstraints(pattern=r"^[ns]\d{1,2}:[0-9a-f]{32}$")]


class AppealAccepted(AppealEvent, event_type="hotline.appeal.accepted.v1", topic=topics.INTAKE):
    tracking_number: TrackingNumber
    channel_message_id: str | None = Field(None, description="The channel's own id: adapters match their submission by it")
    channel: Channel
    appeal_type: AppealType
    subtype: RequestSubtype | None = None
    category: str
    district: str
    description: str = Field(description="The appeal text, for handling; publication redacts it")
    private: bool
    business_line: bool = Field(False, description="Came in on the business-environment line")
    enterprise: bool = Field(False, description="Filed by an enterprise (has a credit code)")
    classification: Classification
    accepted_at: datetime
    contact: Contact | None = Field(None, description="Events before sealed_contact only: the contact in clear")
    sealed_contact: SealedContact | None = Field(
        None, description="The contact, sealed under the appeal's key in intake; the lead unit and the centre "
        "read it from intake (GET /v1/appeals/{appeal_id}/contact)")
    name_tags: tuple[NameTag, ...] = Field((), description="Keyed hashes of the name, for redaction")
    inquiry_code_hash: str | None = Field(
        None, description="Slow hash (argon2) of a private appeal's inquiry code; never the code"
    )
    decided_by: str | None = Field(None, description="Operator who accepted it from the review queue")


class AppealRejected(AppealEvent, event_type="hotline.appeal.rejected.v1", topic=topics.INTAKE):
    tracking_number: TrackingNumber
    channel_message_id: str | None = Field(None, description="The channel's own id: adapters match their submission by it")
    channel: Channel
    reason_code: Literal["emergency", "out_of_area", "out_of_scope", "operator"]
    reason: str
    refer_to: str | None = Field(None, description="Number to call instead, e.g. 119")
    rejected_at: datetime


class AppealMerged(AppealEvent, event_type="hotline.appeal.merged.v1", topic=topics.INTAKE):
    tracking_number: TrackingNumber
    channel_message_id: str | None = Field(None, description="The channel's own id: adapters match their submission by it")
    into_appeal_id: UUID
    into_tracking_number: TrackingNumber
    reason: str
    merged_at: datetime


class AppealReclassified(AppealEvent, event_type="hotline.appeal.reclassified.v1", topic=topics.INTAKE):
    appeal_type: AppealType
    subtype: RequestSubtype | None = None
    category: str
    district: str
    by: str
    reason: str
    reclassified_at: datetime


class AppealHeldForReview(AppealEvent, event_type="hotline.appeal.held-for-review.v1", topic=topics.INTAKE):
    """The rules could not classify the appeal; it waits in the operators' review queue."""

    tracking_number: TrackingNumber
    channel_message_id: str | None = Field(None, description="The channel's own id: adapters match their submission by it")
    channel: Channel
    reason: str
    held_at: datetime


class AppealAnsweredAtIntake(AppealEvent, event_type="hotline.appeal.answered-at-intake.v1", topic=topics.INTAKE):
    """A consultation answered at intake from the knowledge base (直接办结): the caller (phone, the
    operator confirms) or the petitioner (web, app) said the answer solved it. No transfer letter,
    no deadline: routing and sla do not handle this type. The 12345 centre's own work, never a unit's."""

    tracking_number: TrackingNumber
    channel_message_id: str | None = Field(None, description="The channel's own id: adapters match their submission by it")
    channel: Channel
    appeal_type: AppealType
    subtype: RequestSubtype | None = None
    category: str
    district: str
    description: str = Field(description="The appeal text; publication redacts it")
    private: bool
    classification: Classification
    answer: str = Field(description="The knowledge-base answer the petitioner received")
    knowledge_entry_id: UUID
    knowledge_entry_version: int
    confirmed_by: str = Field(description="'petitioner' (web, app) or the operator's subject (phone)")
    received_at: datetime
    answered_at: datetime
    contact: Contact | None = Field(None, description="Events before sealed_contact only: the contact in clear")
    sealed_contact: SealedContact | None = None
    name_tags: tuple[NameTag, ...] = Field((), description="Keyed hashes of the name, for redaction")
    inquiry_code_hash: str | None = None


class AppealContactForgotten(AppealEvent, event_type="hotline.appeal.contact-forgotten.v1", topic=topics.INTAKE):
    """Intake deleted the appeal's data key and its own copy of the petitioner's data: the sealed
    contact on the log no longer opens. Every service drops what it kept of the petitioner (routing
    a contact in clear from an old event, publication the name's hashes); the appeal itself stays."""

    reason: Literal["retention", "request"] = Field(
        description="retention: the period after closing ran out; request: an admin forgot it at once")
    forgotten_at: datetime


class EvaluationInvited(AppealEvent, event_type="hotline.appeal.evaluation-invited.v1", topic=topics.INTAKE):
    """Intake sent the petitioner a one-time evaluation token with the reply (by SMS).

    Only the token's keyed hash travels: HMAC-SHA256(pepper, canonical token), hex. The
    verifier (publication) accepts a rating of this appeal with a token of that hash until
    `expires_at`.
    """

    tracking_number: TrackingNumber
    replied_at: datetime = Field(description="The reply the invitation is for")
    token_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    expires_at: datetime
    invited_at: datetime


class NotifyPetitioner(Event, event_type="hotline.notification.petitioner.v1", topic=topics.NOTIFICATIONS):
    """A message that must reach the petitioner (by SMS). Restricted topic: holds the phone.

    Only intake writes it (it alone holds contact data); an SMS-gateway adapter reads it and
    sends `text` to `phone`. `kind` lets the adapter choose a template of its own; `code` is
    the one-time secret in the message (inquiry code, evaluation token, confirmation code).
    Never logged, never republished.
    """

    notification_id: UUID
    kind: Literal["receipt", "reply", "phone_confirmation"]
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{5,20}$")]
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    appeal_id: UUID | None = None
    tracking_number: TrackingNumber | None = None
    code: str | None = Field(None, description="The one-time secret the text carries, if any")
    created_at: datetime

    def subject(self) -> str:
        return str(self.appeal_id or self.notification_id)


# --- routing: hotline.routing.v1 ------------------------------------------------------


class AppealDispatched(AppealEvent, event_type="hotline.appeal.dispatched.v1", topic=topics.ROUTING):
    """A transfer letter went to the lead unit (and any co-handling units)."""

    tracking_number: TrackingNumber
    unit_code: UnitCode
    unit_name: str
    unit_group: str | None = Field(None, description="municipal_department, district_government, enterprise...")
    co_unit_codes: tuple[UnitCode, ...] = ()
    rule_id: str = Field(description="The dispatch-catalogue rule that matched")
    appeal_type: AppealType
    subtype: RequestSubtype | None = None
    category: str
    district: str
    attempt: int = Field(1, ge=1, description="1 for the first letter, +1 per re-dispatch")
    dispatched_at: datetime


class AppealSigned(AppealEvent, event_type="hotline.appeal.signed.v1", topic=topics.ROUTING):
    unit_code: UnitCode
    signed_at: datetime


class AppealReturned(AppealEvent, event_type="hotline.appeal.returned.v1", topic=topics.ROUTING):
    unit_code: UnitCode
    reason: LongText
    returned_at: datetime


class AppealRedispatched(AppealEvent, event_type="hotline.appeal.redispatched.v1", topic=topics.ROUTING):
    from_unit_code: UnitCode
    unit_code: UnitCode
    unit_name: str
    unit_group: str | None = None
    co_unit_codes: tuple[UnitCode, ...] = ()
    reason: str
    attempt: int = Field(ge=2)
    redispatched_at: datetime
    tracking_number: TrackingNumber | None = None
    rule_id: str | None = Field(None, description="Catalogue rule, or manual:<operator> for a hand dispatch")


class ExtensionRequested(AppealEvent, event_type="hotline.appeal.extension-requested.v1", topic=topics.ROUTING):
    unit_code: UnitCode
    working_days: int = Field(ge=1, le=60)
    reason: LongText
    requested_at: datetime


class AppealReplied(AppealEvent, event_type="hotline.appeal.replied.v1", topic=topics.ROUTING):
    unit_code: UnitCode
    reply: LongText
    outcome: Literal["solved", "explained"]
    replied_at: datetime


class CoHandlerReplied(AppealEvent, event_type="hotline.appeal.co-handler-replied.v1", topic=topics.ROUTING):
    """A co-handling unit's contribution, addressed to the lead unit."""

    unit_code: UnitCode
    lead_unit_code: UnitCode
    reply: LongText
    replied_at: datetime


class AppealQueuedForDispatch(AppealEvent, event_type="hotline.appeal.queued-for-dispatch.v1", topic=topics.ROUTING):
    """No rule covers the appeal (or it bounced too often): an operator must dispatch it."""

    tracking_number: TrackingNumber
    reason: str
    queued_at: datetime


class AppealEscalated(AppealEvent, event_type="hotline.appeal.escalated.v1", topic=topics.ROUTING):
    """Returned or re-dispatched too often, or bouncing between two units."""

    reason: str
    units: tuple[UnitCode, ...] = ()
    escalated_at: datetime
    tracking_number: TrackingNumber | None = None


class AppealClosed(AppealEvent, event_type="hotline.appeal.closed.v1", topic=topics.ROUTING):
    closed_at: datetime


class AppealReopened(AppealEvent, event_type="hotline.appeal.reopened.v1", topic=topics.ROUTING):
    reason: str
    reopened_at: datetime


class UnitDirectoryChanged(Event, event_type="hotline.directory.changed.v1", topic=topics.ROUTING):
    """The unit directory or dispatch catalogue changed; applies to new dispatches only."""

    version: str
    changed_by: str
    reason: str
    units: tuple[dict[str, Any], ...] = ()
    rules: tuple[dict[str, Any], ...] = ()
    changed_at: datetime

    def subject(self) -> str:
        return f"directory:{self.version}"


# --- responsible units' commands: hotline.units.actions.v1 ----------------------------


class UnitAction(Event):
    """A command from a responsible unit's own system; `action_id` makes it idempotent."""

    action_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    appeal_id: UUID
    unit_code: UnitCode

    def subject(self) -> str:
        return str(self.appeal_id)


class SignAppeal(UnitAction, event_type="hotline.unit.sign.v1", topic=topics.UNIT_ACTIONS):
    pass


class ReturnAppeal(UnitAction, event_type="hotline.unit.return.v1", topic=topics.UNIT_ACTIONS):
    reason: LongText


class RequestExtension(UnitAction, event_type="hotline.unit.request-extension.v1", topic=topics.UNIT_ACTIONS):
    working_days: int = Field(ge=1, le=60)
    reason: LongText


class ReplyToAppeal(UnitAction, event_type="hotline.unit.reply.v1", topic=topics.UNIT_ACTIONS):
    reply: LongText
    outcome: Literal["solved", "explained"] = Field(
        description="solved, or explained (cannot be solved for objective reasons; policy explained)"
    )


# --- sla: hotline.sla.v1 ------------------------------------------------------------


class DeadlineSet(AppealEvent, event_type="hotline.appeal.deadline-set.v1", topic=topics.SLA):
    unit_code: UnitCode
    starts_on: date = Field(description="Day the unit received the letter; not counted")
    working_days: int = Field(ge=1)
    due_at: datetime = Field(description="24:00 Asia/Shanghai of the last working day")
    provisional: bool = Field(description="True when a year's official schedule was not yet loaded")
    calendar_version: str
    reason: Literal["dispatched", "signed", "redispatched", "extended", "calendar_loaded", "reopened"]
    previous_due_at: datetime | None = None


class ReminderDue(AppealEvent, event_type="hotline.appeal.reminder-due.v1", topic=topics.SLA):
    unit_code: UnitCode
    due_at: datetime
    reminded_at: datetime


class AppealOverdue(AppealEvent, event_type="hotline.appeal.overdue.v1", topic=topics.SLA):
    unit_code: UnitCode
    due_at: datetime
    overdue_at: datetime


class SupervisionRaised(AppealEvent, event_type="hotline.appeal.supervision-raised.v1", topic=topics.SLA):
    unit_code: UnitCode
    level: int = Field(ge=1, le=3)
    reason: str
    raised_at: datetime


class ExtensionDecided(AppealEvent, event_type="hotline.appeal.extension-decided.v1", topic=topics.SLA):
    unit_code: UnitCode
    approved: bool
    working_days: int = Field(ge=0)
    reason: str
    decided_by: str
    decided_at: datetime


class DeadlineStopped(AppealEvent, event_type="hotline.appeal.deadline-stopped.v1", topic=topics.SLA):
    unit_code: UnitCode
    due_at: datetime
    stopped_at: datetime
    met: bool = Field(description="Completed before the deadline ended")


class ConcentrationDetected(Event, event_type="hotline.concentration.detected.v1", topic=topics.SLA):
    cluster_id: UUID
    appeal_ids: tuple[UUID, ...]
    category: str
    district: str
    rule: str = Field("", description="Which threshold fired, e.g. 'category+district>=5 in 24h'")
    detected_at: datetime

    def subject(self) -> str:
        return str(self.cluster_id)


class CalendarLoaded(Event, event_type="hotline.calendar.loaded.v1", topic=topics.SLA):
    year: int
    holidays: tuple[date, ...]
    workdays: tuple[date, ...] = Field(description="Weekend days that are make-up working days")
    version: str
    loaded_at: datetime

    def subject(self) -> str:
        return f"calendar:{self.year}"


# --- publication: hotline.publication.v1 and the public feed hotline.public.v1 --------


class AppealEvaluated(AppealEvent, event_type="hotline.appeal.evaluated.v1", topic=topics.PUBLICATION):
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    solved: bool
    via: Literal["web", "app", "phone_callback", "operator"]
    unit_code: UnitCode | None = Field(None, description="The unit whose reply was rated")
    reopen_requested: bool = Field(False, description="Dissatisfied and unsolved: asks to reopen")
    evaluated_at: datetime
    return_call: bool = Field(False, description=(
        "Dissatisfied again after a reopening: not reopened automatically; the centre calls the "
        "petitioner back (差评二次回访, ReturnCallRequested) and decides (ReturnCallDecided). "
        "Routing leaves the appeal replied until then."))


class ReturnCallRequested(AppealEvent, event_type="hotline.appeal.return-call-requested.v1",
                          topic=topics.PUBLICATION):
    """A second dissatisfied rating: a task for the 12345 centre to call back and decide."""

    tracking_number: TrackingNumber
    unit_code: UnitCode | None = None
    dissatisfied_ratings: int = Field(ge=2)
    requested_at: datetime


class ReturnCallDecided(AppealEvent, event_type="hotline.appeal.return-call-decided.v1",
                        topic=topics.PUBLICATION):
    """The centre's decision after the return call: reopen the appeal, or close it with a reason."""

    tracking_number: TrackingNumber
    decision: Literal["reopen", "close"]
    reason: LongText
    decided_by: str
    unit_code: UnitCode | None = None
    decided_at: datetime


class PublicAppealUpdated(Event, event_type="hotline.public.appeal-updated.v1", topic=topics.PUBLIC):
    """The redacted public view of one appeal after a change; never carries personal data."""

    tracking_number: TrackingNumber
    appeal_type: AppealType
    category: str
    district: str
    status: str
    unit_name: str | None = None
    expected_at: datetime | None = None
    summary: str | None = Field(None, description="Redacted appeal text")
    reply: str | None = Field(None, description="Redacted reply of the unit")
    deadline_met: bool | None = None
    updated_at: datetime

    def subject(self) -> str:
        return self.tracking_number


# --- assessment: hotline.assessment.v1 ------------------------------------------------


class UnitScore(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    unit_code: UnitCode
    group: str
    received: int = Field(ge=0)
    score: float
    rank: int = Field(ge=1)
    rank_change: int | None = Field(None, description="Places gained since the previous period")
    rates: dict[str, float | None] = Field(default_factory=dict, description="response, on_time, resolution, satisfaction")
    deductions: dict[str, float] = Field(default_factory=dict)


class UnitScoresPublished(Event, event_type="hotline.assessment.scores-published.v1", topic=topics.ASSESSMENT):
    period: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
    weights_version: str
    scores: tuple[UnitScore, ...]
    correction_of: UUID | None = None
    published_at: datetime

    def subject(self) -> str:
        return f"period:{self.period}"


# --- sla: supervision orders (督办单) and notices to units ------------------------------

# The seed's ways of supervising an appeal by hand: online tracking and reminding, a
# scheduling meeting, a joint meeting, an interview of the unit's leaders, a report to the
# municipal leaders.
SupervisionMode = Literal["online_tracking", "scheduling_meeting", "joint_meeting", "leader_interview",
                          "municipal_report"]


class SupervisionOrderIssued(AppealEvent, event_type="hotline.appeal.supervision-ordered.v1", topic=topics.SLA):
    """A supervisor issued a supervision order (督办单) to the unit holding the appeal."""

    order_id: UUID
    unit_code: UnitCode
    mode: SupervisionMode
    instructions: LongText
    issued_by: str
    issued_at: datetime


class SupervisionOrderAnswered(AppealEvent, event_type="hotline.appeal.supervision-answered.v1", topic=topics.SLA):
    """The unit answered a supervision order: what it did about it."""

    order_id: UUID
    unit_code: UnitCode
    answer: LongText
    answered_by: str
    answered_at: datetime


class UnitNotified(Event, event_type="hotline.unit.notified.v1", topic=topics.UNIT_NOTICES):
    """What a responsible unit is told about its appeals: a reminder, an overdue notice, a
    supervision step or a supervision order. Keyed by the unit's code on the unit-facing topic,
    so a unit's own system reads its notices in order (and can be given only its own)."""

    notice_id: UUID = Field(description="Stable per notice: a redelivered record has the same id")
    unit_code: UnitCode
    appeal_id: UUID
    kind: Literal["reminder", "overdue", "supervision", "supervision_order"]
    level: int | None = Field(None, ge=1, le=3, description="Supervision level, for kind supervision")
    mode: SupervisionMode | None = Field(None, description="For kind supervision_order")
    order_id: UUID | None = Field(None, description="For kind supervision_order: answer it with this id")
    due_at: datetime | None = None
    text: str = Field(description="What the unit is asked to do, in Chinese")
    at: datetime

    def subject(self) -> str:
        return self.unit_code
