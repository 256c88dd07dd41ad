"""assessment's adapters in memory: facts, receipts, verdict rows, running totals, pending
moments and the closed months to recheck."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

import pytest

from services.assessment.adapters import repository, verdicts
from services.assessment.domain.facts import Fact
from services.assessment.domain.verdicts import COUNTERS, VerdictRow, delta, group_of, moment_delta


class FakeAssessmentStore:
    """The tables assessment's adapters keep. Totals and moments move by the same domain
    functions (`delta`, `moment_delta`, `group_of`) the SQL is given, as the SQL moves them."""

    def __init__(self) -> None:
        self.facts: dict[tuple[UUID, str, str, datetime], Fact] = {}  # by identity
        self.received: dict[tuple[UUID, str], tuple[str | None, datetime]] = {}
        self.rows: dict[UUID, list[VerdictRow]] = {}
        self.totals: dict[tuple[str, str], dict[str, int]] = {}
        self.groups: dict[tuple[str, str], tuple[datetime, str]] = {}
        self.moments: dict[tuple[str, str, str, datetime], int] = {}
        self.closed_periods: set[str] = set()
        self.rechecks: set[str] = set()
        self.locked: list[set[UUID]] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "FakeAssessmentStore":
        monkeypatch.setattr(repository, "store_and_read", self.store_and_read)
        monkeypatch.setattr(verdicts, "lock_appeals", self.lock_appeals)
        monkeypatch.setattr(verdicts, "replace", self.replace)
        return self

    def counter(self, period: str, unit_code: str, name: str) -> int:
        return self.totals.get((period, unit_code), {}).get(name, 0)

    async def lock_appeals(self, conn: object, appeal_ids: Iterable[UUID]) -> None:
        self.locked.append(set(appeal_ids))

    async def store_and_read(self, conn: object, facts: Sequence[Fact], letters: Sequence[Fact]) -> list[Fact]:
        return self.store(facts, letters)

    async def replace(self, conn: object, appeal_ids: Sequence[UUID], rows: Sequence[VerdictRow],
                      periods: Iterable[str] = ()) -> None:
        self.replace_rows(appeal_ids, rows, periods)

    def store(self, facts: Sequence[Fact], letters: Sequence[Fact] = ()) -> list[Fact]:
        """Note the receipts and the facts not yet known; every fact of the appeals that got one."""
        for letter in letters:
            self.received.setdefault((letter.appeal_id, letter.unit_code), (letter.period, letter.occurred_at))
        new = []
        for fact in facts:
            key = (fact.appeal_id, fact.kind, fact.unit_code, fact.occurred_at)
            if key not in self.facts:  # ON CONFLICT DO NOTHING
                self.facts[key] = fact
                new.append(fact)
        touched = {f.appeal_id for f in new}
        return [f for f in self.facts.values() if f.appeal_id in touched]

    def replace_rows(self, appeal_ids: Sequence[UUID], rows: Sequence[VerdictRow], periods: Iterable[str] = ()) -> None:
        """The appeals' rows replaced; totals, groups and moments moved by the difference."""
        old = [row for appeal in appeal_ids for row in self.rows.pop(appeal, [])]
        for row in rows:
            self.rows.setdefault(row.appeal_id, []).append(row)
        for key, change in delta(old, rows).items():
            into = self.totals.setdefault(key, dict.fromkeys(COUNTERS, 0))
            for name, n in change.items():
                into[name] = into.get(name, 0) + n
        for unit_key, mark in group_of(rows).items():
            if unit_key not in self.groups or mark > self.groups[unit_key]:
                self.groups[unit_key] = mark
        for moment_key, n in moment_delta(old, rows).items():
            self.moments[moment_key] = self.moments.get(moment_key, 0) + n
        self.rechecks |= set(periods) & self.closed_periods
