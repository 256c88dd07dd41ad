"""Where an appeal stands in public, derived from the times of its lifecycle steps.

Events from different topics arrive in any order, so the status is never stored: it is
computed from the latest time of each step, which redelivery and reordering cannot change.
"""

from datetime import datetime

from services.publication.domain.row import PublicRow

STATUSES = ("accepted", "dispatched", "returned", "signed", "replied", "evaluated", "closed", "reopened")
# Open311 knows open and closed only: a reply completes the appeal, a reopening opens it again.
CLOSED_STATUSES = frozenset({"replied", "evaluated", "closed"})


def _after(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and (b is None or a > b)


def public_status(row: PublicRow) -> str:
    reopened, replied = row.get("reopened_at"), row.get("replied_at")
    if _after(row.get("closed_at"), reopened):
        return "closed"
    if reopened is not None and not _after(replied, reopened):
        return "reopened"
    if replied is not None:
        evaluated = row.get("evaluated_at")
        return "evaluated" if evaluated is not None and evaluated >= replied else "replied"
    signed, dispatched = row.get("signed_at"), row.get("dispatched_at")
    # A unit returned the letter as not its business and no new letter went out since: the
    # appeal waits for the 12345 centre to re-dispatch it (a re-dispatch moves dispatched_at on).
    returned = row.get("returned_at")
    if returned is not None and (dispatched is None or returned >= dispatched):
        return "returned"
    if signed is not None and (dispatched is None or signed >= dispatched):
        return "signed"
    return "dispatched" if dispatched is not None else "accepted"


def is_disclosed(row: PublicRow) -> bool:
    """Public once intake's acceptance said so; unknown (acceptance not yet seen) is not public."""
    return row.get("private") is False and row.get("tracking_number") is not None


def expected_at(row: PublicRow) -> datetime | None:
    """The deadline shown: none while the appeal waits for re-dispatch (the returned letter's
    clock stopped; the next unit's deadline is set when it gets the letter)."""
    return None if public_status(row) == "returned" else row.get("expected_at")


def public_view(row: PublicRow) -> dict[str, object]:
    """The fields of PublicAppealUpdated: nothing personal is in the row to begin with."""
    return {
        "tracking_number": row["tracking_number"], "appeal_type": row["appeal_type"],
        "category": row["category"], "district": row["district"], "status": public_status(row),
        "unit_name": row.get("unit_name"), "expected_at": expected_at(row),
        "summary": row.get("summary"), "reply": row.get("reply"),
        "deadline_met": row.get("deadline_met"), "updated_at": row["updated_at"],
    }
