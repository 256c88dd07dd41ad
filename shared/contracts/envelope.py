"""One envelope for every event: CloudEvents 1.0 attributes in Kafka headers, JSON data in the body.

This is the CloudEvents Kafka protocol binding in binary content mode: attributes travel as
`ce_*` headers, the record value is the event data alone, and the record key is the subject
(the appeal id), so one appeal's events keep their order within a partition.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID, uuid4, uuid5

from pydantic import ValidationError

from shared.contracts.events import EVENT_TYPES, Event

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
# Records that arrive without a ce_id (a hand-written channel adapter) still need a stable
# id for the inbox: it is derived from the record's position, which redelivery keeps.
_POSITION_NAMESPACE = UUID("6f1c9a52-3b0e-4c55-9d7e-12345a6b0e6f")

P = TypeVar("P", bound=Event)


class MalformedEvent(ValueError):
    """The record can never be turned into an event: it belongs on the dead-letter topic."""


@dataclass(frozen=True, slots=True)
class Envelope(Generic[P]):
    id: UUID
    source: str
    type: str
    time: datetime
    subject: str
    data: P
    specversion: str = SPECVERSION

    @classmethod
    def wrap(cls, data: P, *, source: str, time: datetime | None = None) -> "Envelope[P]":
        """Put a payload in a new envelope with a fresh id."""
        return cls(
            id=uuid4(),
            source=source,
            type=data.event_type,
            time=time or datetime.now(UTC),
            subject=data.subject(),
            data=data,
        )

    def headers(self) -> dict[str, str]:
        return {
            "ce_id": str(self.id),
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_specversion": self.specversion,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "content-type": CONTENT_TYPE,
        }

    def key(self) -> bytes:
        return self.subject.encode()

    def body(self) -> bytes:
        return self.data.model_dump_json().encode()


def decode_headers(raw: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    try:
        return {name: value.decode() for name, value in raw}
    except UnicodeDecodeError as exc:
        raise MalformedEvent(f"header is not UTF-8: {exc}") from exc


def open_envelope(
    headers: dict[str, str],
    body: bytes | None,
    *,
    position: str,
    default_type: str | None = None,
) -> Envelope[Event]:
    """Read a record into an envelope, or raise MalformedEvent saying what is wrong.

    `position` ("topic/partition/offset") names the record for a derived id;
    `default_type` lets a topic with a single payload type accept records without ce_type.
    """
    event_type = headers.get("ce_type") or default_type
    if event_type is None:
        raise MalformedEvent("missing header ce_type")
    model = EVENT_TYPES.get(event_type)
    if model is None:
        raise MalformedEvent(f"unknown event type {event_type!r}")
    if not body:
        raise MalformedEvent("empty body")
    try:
        data = model.model_validate_json(body)
    except ValidationError as exc:
        raise MalformedEvent(_describe(exc)) from exc
    try:
        event_id = UUID(headers["ce_id"]) if "ce_id" in headers else uuid5(_POSITION_NAMESPACE, position)
        time = datetime.fromisoformat(headers["ce_time"]) if "ce_time" in headers else datetime.now(UTC)
    except ValueError as exc:
        raise MalformedEvent(f"bad CloudEvents header: {exc}") from exc
    return Envelope(
        id=event_id,
        source=headers.get("ce_source", "unknown"),
        type=event_type,
        time=time,
        subject=headers.get("ce_subject") or data.subject(),
        data=data,
        specversion=headers.get("ce_specversion", SPECVERSION),
    )


def _describe(exc: ValidationError) -> str:
    """Say which fields are wrong and why, in one line a person can act on."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:5]:
        field = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)
