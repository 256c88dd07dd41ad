"""sla's adapters in memory: deadlines, parked events, extension requests, concentration flags."""

import copy
import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from services.sla.adapters import concentration, extensions, parking, repository
from services.sla.domain.calendar import WorkCalendar
from shared.contracts.envelope import Envelope


class FakeCalendars:
    """CalendarCache with a fixed calendar."""

    def __init__(self, calendar: WorkCalendar | None = None) -> None:
        self.calendar = calendar or WorkCalendar()

    async def current(self, conn: object) -> WorkCalendar:
        return self.calendar


class FakeSlaStore:
    """The rows sla's adapters would keep. A locked row is a copy, as one read from the table:
    what a handler changes counts only once it is saved."""

    def __init__(self) -> None:
        self.deadlines: dict[UUID, dict[str, Any]] = {}
        self.parked: list[dict[str, Any]] = []
        self.extensions: dict[UUID, dict[str, Any]] = {}
        self.flags: dict[UUID, tuple[bool, bool]] = {}
        self._seq = itertools.count(1)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "FakeSlaStore":
        for module, names in ((repository, ("insert_many", "lock", "get", "save")),
                              (parking, ("park", "take", "put_back_failed")),
                              (extensions, ("insert", "lock", "decide", "withdraw_pending")),
                              (concentration, ("flags",))):
            for name in names:
                fake = getattr(self, f"{module.__name__.rsplit('.', 1)[1]}_{name}")
                monkeypatch.setattr(module, name, fake)
        return self

    # repository -----------------------------------------------------------------------
    async def repository_insert_many(self, conn: object, rows: list[dict[str, Any]]) -> set[UUID]:
        created = {row["appeal_id"] for row in rows if row["appeal_id"] not in self.deadlines}
        for row in rows:
            self.deadlines.setdefault(row["appeal_id"], copy.deepcopy(row))
        return created

    async def repository_lock(self, conn: object, appeal_id: UUID) -> dict[str, Any] | None:
        row = self.deadlines.get(appeal_id)
        return copy.deepcopy(row) if row is not None else None

    repository_get = repository_lock

    async def repository_save(self, conn: object, row: dict[str, Any]) -> None:
        self.deadlines[row["appeal_id"]] = copy.deepcopy(row)

    # parking --------------------------------------------------------------------------
    async def parking_park(self, conn: object, envelope: Envelope[Any], appeal_id: UUID, parked_at: datetime) -> None:
        if all(p["event_id"] != envelope.id for p in self.parked):
            self.parked.append({"seq": next(self._seq), "event_id": envelope.id, "appeal_id": appeal_id,
                                "event_type": envelope.type, "headers": envelope.headers(), "body": envelope.body(),
                                "parked_at": parked_at, "failure": None})

    async def parking_take(self, conn: object, appeal_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
        taken = [p for p in self.parked if p["appeal_id"] in appeal_ids and p["failure"] is None]
        self.parked = [p for p in self.parked if p not in taken]
        grouped: dict[UUID, list[dict[str, Any]]] = {}
        for p in sorted(taken, key=lambda p: p["seq"]):
            grouped.setdefault(p["appeal_id"], []).append(p)
        return grouped

    async def parking_put_back_failed(self, conn: object, row: dict[str, Any], appeal_id: UUID, parked_at: datetime,
                                      failure: str) -> None:
        self.parked.append({**row, "seq": next(self._seq), "parked_at": parked_at, "failure": failure})

    # extensions -----------------------------------------------------------------------
    async def extensions_insert(self, conn: object, *, extension_id: UUID, appeal_id: UUID, unit_code: str,
                                working_days: int, reason: str, requested_at: datetime, status: str,
                                decided_by: str | None = None, decided_at: datetime | None = None,
                                decision_reason: str | None = None) -> bool:
        if any(e["appeal_id"] == appeal_id and e["requested_at"] == requested_at for e in self.extensions.values()):
            return False
        self.extensions[extension_id] = {
            "extension_id": extension_id, "appeal_id": appeal_id, "unit_code": unit_code,
            "working_days": working_days, "reason": reason, "requested_at": requested_at, "status": status,
            "decided_by": decided_by, "decided_at": decided_at, "decision_reason": decision_reason}
        return True

    async def extensions_lock(self, conn: object, extension_id: UUID) -> dict[str, Any] | None:
        found = self.extensions.get(extension_id)
        return dict(found) if found else None

    async def extensions_decide(self, conn: object, extension_id: UUID, status: str, by: str, at: datetime,
                                reason: str) -> None:
        self.extensions[extension_id].update(status=status, decided_by=by, decided_at=at, decision_reason=reason)

    async def extensions_withdraw_pending(self, conn: object, appeal_id: UUID, at: datetime, reason: str) -> None:
        for e in self.extensions.values():
            if e["appeal_id"] == appeal_id and e["status"] == "pending":
                e.update(status="withdrawn", decided_by="sla", decided_at=at, decision_reason=reason)

    # concentration --------------------------------------------------------------------
    async def concentration_flags(self, conn: object, appeal_ids: Sequence[UUID]) -> dict[UUID, tuple[bool, bool]]:
        return {a: self.flags[a] for a in appeal_ids if a in self.flags}
