"""Where an appeal stands in public, derived from the times of its lifecycle steps.

Events from different topics arrive in any order, so the status is never stored: it is
computed from the latest time of each step, which redelivery and reordering cannot change.
"""

from collections.abc import Mapping
from datetime import datetime

STATUSES = ("accepted", "dispatched", "signed", "replied", "evaluated", "closed", "reopened")
# Open311 knows open and closed only: a reply completes the appeal, a reopening opens it again.
CLOSED_STATUSES = frozenset({"replied", "evaluated", "closed"})


def _after(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and (b is None or a > b)


def public_status(row: Mapping) -> str:
    reopened, replied = row.get("reopened_at"), row.get("replied_at")
    if _after(row.get("closed_at"), reopened):
        return "closed"
    if reopened is not None and not _after(replied, reopened):
        return "reopened"
    if replied is not None:
        evaluated = row.get("evaluated_at")
        return "evaluated" if evaluated is not None and evaluated >= replied else "replied"
    signed, dispatched = row.get("signed_at"), row.get("dispatched_at")
    if signed is not None and (dispatched is None or signed >= dispatched):
        return "signed"
    return "dispatched" if dispatched is not None else "accepted"


def is_disclosed(row: Mapping) -> bool:
    """Public once intake's acceptance said so; unknown (acceptance not yet seen) is not public."""
    return row.get("private") is False and row.get("tracking_number") is not None


def public_view(row: Mapping) -> dict:
    """The fields of PublicAppealUpdated: nothing personal is in the row to begin with."""
    return {
        "tracking_number": row["tracking_number"], "appeal_type": row["appeal_type"],
        "category": row["category"], "district": row["district"], "status": public_status(row),
        "unit_name": row.get("unit_name"), "expected_at": row.get("expected_at"),
        "summary": row.get("summary"), "reply": row.get("reply"),
        "deadline_met": row.get("deadline_met"), "updated_at": row["updated_at"],
    }
