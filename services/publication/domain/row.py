"""The public row of one appeal (the columns of `public_appeals`), typed for the domain.

The projection changes a row in place and writes it back whole, so the row is a typed dict:
the adapters build it from the database record, the domain reads and writes known columns only.
"""

from datetime import datetime
from typing import Literal, TypedDict, get_args
from uuid import UUID


class PublicRow(TypedDict):
    appeal_id: UUID
    tracking_number: str | None
    appeal_type: str | None
    category: str | None
    district: str | None
    private: bool | None  # None: intake's acceptance not seen yet
    unit_name: str | None
    accepted_at: datetime | None
    dispatched_at: datetime | None
    expected_at: datetime | None
    updated_at: datetime | None  # set by the first fact applied; NOT NULL once stored
    summary: str | None
    reply: str | None
    reply_outcome: str | None
    replied_unit_code: str | None
    name_tags: list[str]
    inquiry_code_hash: str | None
    classified_at: datetime | None
    unit_at: datetime | None
    deadline_event_at: datetime | None
    deadline_met: bool | None
    signed_at: datetime | None
    replied_at: datetime | None
    evaluated_at: datetime | None
    satisfaction: str | None
    solved: bool | None
    closed_at: datetime | None
    reopened_at: datetime | None
    published_digest: str | None
    status: str
    returned_at: datetime | None


# The columns that hold the latest time of a step (what `record_step` and the ordering rules touch).
TimeColumn = Literal["accepted_at", "dispatched_at", "updated_at", "classified_at", "unit_at", "deadline_event_at",
                     "signed_at", "replied_at", "evaluated_at", "closed_at", "reopened_at", "returned_at"]
TIME_COLUMNS: tuple[TimeColumn, ...] = get_args(TimeColumn)
# A step known only by its time (AppealSigned, LetterReturned, AppealClosed, AppealReopened).
StepColumn = Literal["signed_at", "returned_at", "closed_at", "reopened_at"]
STEP_COLUMNS: tuple[StepColumn, ...] = get_args(StepColumn)
