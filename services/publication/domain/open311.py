"""Open311 GeoReport v2 mapping: our types and categories as services, our appeals as requests.

- service_code: a two-letter type code and the category, e.g. `CC-prices` (consumer complaint
  about prices); every (type, category) pair of the vocabulary is one service.
- status: open while the appeal is being handled (accepted, dispatched, signed, reopened),
  closed once replied (replied, evaluated, closed); status_notes say which step and carry
  the redacted reply.
- expected_datetime is the SLA deadline, agency_responsible the unit, address the district
  only (never the exact address), requested_datetime the acceptance.
"""

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from services.publication.domain import labels
from services.publication.domain.lifecycle import CLOSED_STATUSES, expected_at, public_status
from services.publication.domain.row import PublicRow
from shared.contracts.local_time import SHANGHAI
from shared.contracts.vocabulary import CATEGORIES, DISTRICT_NAMES_ZH, AppealType

TYPE_CODES = {
    AppealType.BUSINESS_ENVIRONMENT_COMPLAINT: "BE", AppealType.CONSUMER_COMPLAINT: "CC",
    AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT: "AE", AppealType.ECONOMIC_VIOLATION_REPORT: "EV",
    AppealType.PUBLIC_SERVICE_REQUEST: "PS",
}
_TYPES_BY_CODE = {code: t for t, code in TYPE_CODES.items()}
DEFAULT_SPAN = timedelta(days=90)  # GeoReport v2: without dates, the last 90 days
MAX_PAGE_SIZE = 100
_TOKEN_NAMESPACE = UUID("3f0b8d2e-5c1a-4e7b-9a55-0e1d2c3b4a59")


class Open311Error(ValueError):
    """A request the GeoReport API refuses; `code` is the HTTP status, the message the description."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code


def service_code(appeal_type: str, category: str) -> str:
    return f"{TYPE_CODES[AppealType(appeal_type)]}-{category}"


def parse_service_code(code: str) -> tuple[str, str]:
    """(appeal_type, category) of a service code; Open311Error(404) when we have no such service."""
    prefix, _, category = code.partition("-")
    appeal_type = _TYPES_BY_CODE.get(prefix)
    if appeal_type is None or category not in CATEGORIES[appeal_type]:
        raise Open311Error(404, f"no service has the code {code!r}")
    return appeal_type.value, category


def services(lang: str = "zh") -> list[dict[str, object]]:
    return [
        {"service_code": service_code(t.value, c),
         "service_name": f"{labels.type_name(t.value, lang)} - {labels.category_name(c, lang)}",
         "description": labels.category_name(c, lang), "metadata": False, "type": "realtime",
         "keywords": f"{t.value},{c}", "group": labels.type_name(t.value, lang)}
        for t in AppealType for c in CATEGORIES[t]
    ]


def service_definition(code: str) -> dict[str, object]:
    parse_service_code(code)
    return {"service_code": code, "attributes": []}  # no extra questions: metadata is false


def _w3c(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def request_view(row: PublicRow, lang: str = "zh") -> dict[str, object]:
    status = public_status(row)
    # Only disclosed rows are shown, and disclosure follows intake's acceptance, which classified them.
    appeal_type, category, district = row["appeal_type"] or "", row["category"] or "", row["district"] or ""
    notes = labels.status_name(status, lang)
    if row.get("unit_name") and status not in CLOSED_STATUSES and status != "returned":
        notes += f": {row['unit_name']}"
    if row.get("reply") and status in CLOSED_STATUSES:
        notes += f": {row['reply']}"
    return {
        "service_request_id": row["tracking_number"],
        "status": "closed" if status in CLOSED_STATUSES else "open",
        "status_notes": notes,
        "service_name": f"{labels.type_name(appeal_type, lang)} - {labels.category_name(category, lang)}",
        "service_code": service_code(appeal_type, category),
        "description": row.get("summary"),
        "agency_responsible": row.get("unit_name"),
        "service_notice": None,
        "requested_datetime": _w3c(row.get("accepted_at")),
        "updated_datetime": _w3c(row.get("updated_at")),
        "expected_datetime": _w3c(expected_at(row)),
        "address": labels.district_name(district, "zh"),
        "address_id": None, "zipcode": None, "lat": None, "long": None, "media_url": None,
    }


def parse_datetime(value: str, field: str) -> datetime:
    """A W3C date or date-time; without an offset it is Shanghai time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(400, f"{field}: not a W3C date-time such as 2026-11-28T08:00:00+08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def statuses_for(value: str | None) -> tuple[str, ...]:
    """Our statuses behind an Open311 `status` filter ("open", "closed" or both, comma-separated)."""
    if not value:
        return ()
    wanted = {s.strip() for s in value.split(",")}
    if not wanted <= {"open", "closed"}:
        raise Open311Error(400, "status: open, closed, or both separated by a comma")
    found = set()
    if "open" in wanted:
        found |= {"accepted", "dispatched", "returned", "signed", "reopened"}
    if "closed" in wanted:
        found |= set(CLOSED_STATUSES)
    return tuple(sorted(found))


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime | None


def date_window(start: str | None, end: str | None, now: datetime) -> Window:
    since = parse_datetime(start, "start_date") if start else None
    until = parse_datetime(end, "end_date") if end else None
    if since and until and since > until:
        raise Open311Error(400, "start_date is after end_date")
    if since is None:
        since = (until or now) - DEFAULT_SPAN
    return Window(since, until)


def district_from(address: str | None, attribute: str | None) -> str | None:
    """Which of the 13 divisions a submission is in: the district attribute (code or Chinese
    name), else the first full division name in the address text ("沈阳市和平区...")."""
    if attribute:
        text = unicodedata.normalize("NFKC", attribute).strip()
        for district, name in DISTRICT_NAMES_ZH.items():
            if text.lower() == district.value or text in (name, name[:-1]):
                return district.value
        return None
    text = unicodedata.normalize("NFKC", address or "")
    found = [(text.find(name), d.value) for d, name in DISTRICT_NAMES_ZH.items() if name in text]
    return min(found)[1] if found else None


def submission_id(key_id: str, fields: Mapping[str, str | None]) -> str:
    """The channel message id of a POSTed request: the same POST retried gives the same id."""
    canonical = "\n".join(f"{k}={unicodedata.normalize('NFKC', fields[k] or '').strip()}" for k in sorted(fields))
    return "open311-" + hashlib.sha256(f"{key_id}\n{canonical}".encode()).hexdigest()[:40]


def token_for(channel_message_id: str) -> UUID:
    return uuid5(_TOKEN_NAMESPACE, channel_message_id)


_PHONE = re.compile(r"^\+?[0-9 \-]{3,32}$")


def petitioner_from(first_name: str | None, last_name: str | None, phone: str | None) -> tuple[str, str]:
    """Name and phone for intake: Chinese order (family name first); both are required by 12345."""
    name = "".join(part.strip() for part in (last_name or "", first_name or "") if part and part.strip())
    if not name:
        raise Open311Error(400, "first_name/last_name: 12345 needs the petitioner's name to reply")
    if not phone or not _PHONE.match(phone.strip()):
        raise Open311Error(400, "phone: 12345 needs a phone number (digits, spaces, dashes) to reply")
    return name[:50], phone.strip()
