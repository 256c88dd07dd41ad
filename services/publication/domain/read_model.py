"""How each lifecycle fact changes an appeal's public row, whatever order the facts arrive in.

A row is a PublicRow (row.py), the columns of `public_appeals`. Each fact fills in its own columns and
keeps the latest time of its step, so a fact older than what the row already holds leaves
that part alone; at an equal time the fact applied later wins. Redelivery and reordering
across topics therefore cannot change the result. What is public is decided elsewhere
(lifecycle.py); nothing here is personal, because texts arrive already redacted.
"""

from datetime import UTC, datetime
from typing import cast, get_type_hints
from uuid import UUID

from services.publication.domain.row import PublicRow, StepColumn, TimeColumn

COLUMNS: tuple[str, ...] = tuple(get_type_hints(PublicRow))


def new_row(appeal_id: UUID) -> PublicRow:
    """The row of an appeal no fact has been seen for (the table's defaults)."""
    row = cast(PublicRow, dict.fromkeys(COLUMNS))
    row.update({"appeal_id": appeal_id, "name_tags": [], "status": "accepted"})
    return row


def _utc(moment: datetime) -> datetime:
    # Stored times come back from PostgreSQL in UTC; a row changed in memory must hold the same
    # values, or the public view's digest would depend on the offset an upstream service wrote.
    # astimezone() reads a naive time as local time, as asyncpg does when it stores one.
    return moment.astimezone(UTC)


def _not_older(row: PublicRow, column: TimeColumn, at: datetime) -> bool:
    held = row[column]
    return held is None or not held > at


def _keep_latest(row: PublicRow, column: TimeColumn, at: datetime) -> None:
    held = row[column]
    row[column] = at if held is None else max(held, at)


def _newer_wins(row: PublicRow, column: TimeColumn, at: datetime) -> bool:
    """Whether the fact's values replace what the row holds (`column` does not say the row
    already has newer ones); the row keeps the latest time either way."""
    newer = _not_older(row, column, at)
    _keep_latest(row, column, at)
    _keep_latest(row, "updated_at", at)
    return newer


def _classify(row: PublicRow, at: datetime, appeal_type: str, category: str, district: str) -> None:
    if _newer_wins(row, "classified_at", at):
        row.update({"appeal_type": appeal_type, "category": category, "district": district})


def accept(row: PublicRow, *, tracking_number: str, appeal_type: str, category: str, district: str, private: bool,
           accepted_at: datetime, summary: str, name_tags: list[str], inquiry_code_hash: str | None) -> None:
    at = _utc(accepted_at)
    row.update({"tracking_number": tracking_number, "private": private, "accepted_at": at, "summary": summary,
                "name_tags": name_tags, "inquiry_code_hash": inquiry_code_hash})
    # A reclassification seen earlier (a redelivered acceptance comes late) keeps its say.
    _classify(row, at, appeal_type, category, district)


def forget_name(row: PublicRow) -> None:
    """Intake forgot the petitioner: the keyed hashes of their name go too."""
    row["name_tags"] = []


def reclassify(row: PublicRow, *, appeal_type: str, category: str, district: str,
               reclassified_at: datetime) -> None:
    _classify(row, _utc(reclassified_at), appeal_type, category, district)


def assign_unit(row: PublicRow, *, unit_name: str, at: datetime) -> None:
    """A transfer letter (first or re-dispatched): the latest letter names the responsible unit."""
    at = _utc(at)
    if _not_older(row, "unit_at", at):
        row["unit_name"] = unit_name
    for column in ("unit_at", "dispatched_at", "updated_at"):
        _keep_latest(row, column, at)


def record_reply(row: PublicRow, *, unit_code: str, reply: str, outcome: str, replied_at: datetime) -> None:
    if _newer_wins(row, "replied_at", _utc(replied_at)):
        row.update({"replied_unit_code": unit_code, "reply": reply, "reply_outcome": outcome})


def set_deadline(row: PublicRow, *, expected_at: datetime, event_at: datetime) -> None:
    """The event's own time orders deadlines: an extension's DeadlineSet replaces the first one."""
    if _newer_wins(row, "deadline_event_at", _utc(event_at)):
        row["expected_at"] = _utc(expected_at)


def stop_deadline(row: PublicRow, *, met: bool, stopped_at: datetime) -> None:
    row["deadline_met"] = met
    _keep_latest(row, "updated_at", _utc(stopped_at))


def record_evaluation(row: PublicRow, *, satisfaction: str, solved: bool, evaluated_at: datetime) -> None:
    at = _utc(evaluated_at)
    if _not_older(row, "evaluated_at", at):
        row.update({"satisfaction": satisfaction, "solved": solved})
    _keep_latest(row, "evaluated_at", at)
    _keep_latest(row, "updated_at", at)


def record_step(row: PublicRow, column: StepColumn, at: datetime) -> None:
    """A step that only has a time: signed_at, returned_at, closed_at, reopened_at."""
    at = _utc(at)
    _keep_latest(row, column, at)
    _keep_latest(row, "updated_at", at)
