"""How each lifecycle fact changes an appeal's public row, whatever order the facts arrive in.

A row is a dict with the columns of `public_appeals`. Each fact fills in its own columns and
keeps the latest time of its step, so a fact older than what the row already holds leaves
that part alone; at an equal time the fact applied later wins. Redelivery and reordering
across topics therefore cannot change the result. What is public is decided elsewhere
(lifecycle.py); nothing here is personal, because texts arrive already redacted.
"""

from datetime import UTC, datetime
from uuid import UUID

COLUMNS = (
    "appeal_id", "tracking_number", "appeal_type", "category", "district", "private", "unit_name",
    "accepted_at", "dispatched_at", "expected_at", "updated_at", "summary", "reply", "reply_outcome",
    "replied_unit_code", "name_tags", "inquiry_code_hash", "classified_at", "unit_at", "deadline_event_at",
    "deadline_met", "signed_at", "replied_at", "evaluated_at", "satisfaction", "solved", "closed_at",
    "reopened_at", "published_digest", "status", "returned_at",
)


def new_row(appeal_id: UUID) -> dict:
    """The row of an appeal no fact has been seen for (the table's defaults)."""
    row = dict.fromkeys(COLUMNS)
    row.update(appeal_id=appeal_id, name_tags=[], status="accepted")
    return row


def _utc(moment: datetime) -> datetime:
    # Stored times come back from PostgreSQL in UTC; a row changed in memory must hold the same
    # values, or the public view's digest would depend on the offset an upstream service wrote.
    # astimezone() reads a naive time as local time, as asyncpg does when it stores one.
    return moment.astimezone(UTC)


def _not_older(row: dict, column: str, at: datetime) -> bool:
    held = row[column]
    return held is None or not held > at


def _keep_latest(row: dict, column: str, at: datetime) -> None:
    row[column] = at if row[column] is None else max(row[column], at)


def _newer_wins(row: dict, column: str, at: datetime, **values) -> None:
    """`values` replace what the row holds unless `column` says the row already has newer ones."""
    if _not_older(row, column, at):
        row.update(values)
    _keep_latest(row, column, at)
    _keep_latest(row, "updated_at", at)


def accept(row: dict, *, tracking_number: str, appeal_type: str, category: str, district: str, private: bool,
           accepted_at: datetime, summary: str, name_tags: list[str], inquiry_code_hash: str | None) -> None:
    at = _utc(accepted_at)
    row.update(tracking_number=tracking_number, private=private, accepted_at=at, summary=summary,
               name_tags=name_tags, inquiry_code_hash=inquiry_code_hash)
    # A reclassification seen earlier (a redelivered acceptance comes late) keeps its say.
    _newer_wins(row, "classified_at", at, appeal_type=appeal_type, category=category, district=district)


def forget_name(row: dict) -> None:
    """Intake forgot the petitioner: the keyed hashes of their name go too."""
    row["name_tags"] = []


def reclassify(row: dict, *, appeal_type: str, category: str, district: str, reclassified_at: datetime) -> None:
    _newer_wins(row, "classified_at", _utc(reclassified_at), appeal_type=appeal_type, category=category,
                district=district)


def assign_unit(row: dict, *, unit_name: str, at: datetime) -> None:
    """A transfer letter (first or re-dispatched): the latest letter names the responsible unit."""
    at = _utc(at)
    if _not_older(row, "unit_at", at):
        row["unit_name"] = unit_name
    for column in ("unit_at", "dispatched_at", "updated_at"):
        _keep_latest(row, column, at)


def record_reply(row: dict, *, unit_code: str, reply: str, outcome: str, replied_at: datetime) -> None:
    _newer_wins(row, "replied_at", _utc(replied_at), replied_unit_code=unit_code, reply=reply, reply_outcome=outcome)


def set_deadline(row: dict, *, expected_at: datetime, event_at: datetime) -> None:
    """The event's own time orders deadlines: an extension's DeadlineSet replaces the first one."""
    _newer_wins(row, "deadline_event_at", _utc(event_at), expected_at=_utc(expected_at))


def stop_deadline(row: dict, *, met: bool, stopped_at: datetime) -> None:
    row["deadline_met"] = met
    _keep_latest(row, "updated_at", _utc(stopped_at))


def record_evaluation(row: dict, *, satisfaction: str, solved: bool, evaluated_at: datetime) -> None:
    at = _utc(evaluated_at)
    if _not_older(row, "evaluated_at", at):
        row.update(satisfaction=satisfaction, solved=solved)
    _keep_latest(row, "evaluated_at", at)
    _keep_latest(row, "updated_at", at)


def record_step(row: dict, column: str, at: datetime) -> None:
    """A step that only has a time: signed_at, returned_at, closed_at, reopened_at."""
    at = _utc(at)
    _keep_latest(row, column, at)
    _keep_latest(row, "updated_at", at)
