"""When intake forgets a petitioner: the retention rule for personal data (docs/personal-data.md).

The contact is kept while it serves its purpose - the unit calling back, the reply reaching
the petitioner, the evaluation and a reopening - and for a period after the appeal is
finished, then deleted. "Finished" depends on how the appeal ended:

- accepted (and transferred): when routing closed it; a reopened appeal is open again;
- answered at intake (直接办结): when the answer was confirmed;
- rejected (emergency, out of area, refused): when intake decided;
- merged (并单): with the appeal it was merged into, which handles the problem for both.

Still undecided (held for review, an answer offered) is never finished.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_DAYS = 180
# An admin may forget an appeal at once, but not while intake still needs the petitioner to
# decide it: held for review, or an answer offered and not yet confirmed.
UNDECIDED = frozenset({"pending_review", "answer_offered"})


@dataclass(frozen=True)
class AppealState:
    status: str
    handling: str
    handling_changed_at: datetime | None
    decided_at: datetime | None
    received_at: datetime
    merged_into_finished_at: datetime | None = None


def finished_at(appeal: AppealState) -> datetime | None:
    """When the appeal stopped needing its petitioner's contact; None while it still does."""
    if appeal.status == "accepted":
        return appeal.handling_changed_at if appeal.handling == "closed" else None
    if appeal.status == "answered":
        return appeal.decided_at or appeal.received_at
    if appeal.status == "rejected":
        return appeal.decided_at or appeal.received_at
    if appeal.status == "merged":
        return appeal.merged_into_finished_at
    return None


def forget_after(appeal: AppealState, days: int) -> datetime | None:
    finished = finished_at(appeal)
    return None if finished is None else finished + timedelta(days=days)


def due(appeal: AppealState, now: datetime, days: int) -> bool:
    moment = forget_after(appeal, days)
    return moment is not None and moment <= now


def cutoff(now: datetime, days: int) -> datetime:
    """Appeals finished at or before this instant are due: the SQL form of `due`."""
    return now - timedelta(days=days)
