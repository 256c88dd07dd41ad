"""routing's adapters in memory: transfers, letters, units' actions, extension requests."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from services.routing.adapters import repository
from services.routing.adapters.repository import NewTransfer
from services.routing.domain.dispatch import Directory


class FakeDirectories:
    """DirectoryCache with a fixed directory and version."""

    def __init__(self, directory: Directory, version: int = 1) -> None:
        self.directory, self.version = directory, version

    async def current(self, conn: object) -> tuple[int, Directory]:
        return self.version, self.directory


class FakeRoutingStore:
    """The rows routing's repository would keep, with the same functions over dicts."""

    def __init__(self) -> None:
        self.transfers: dict[UUID, dict[str, Any]] = {}
        self.letters: dict[tuple[UUID, int], dict[str, Any]] = {}
        self.actions: dict[tuple[str, str], dict[str, Any]] = {}
        self.extension_requests: list[dict[str, Any]] = []
        self.co_replies: list[dict[str, Any]] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "FakeRoutingStore":
        for name in ("insert_transfers", "insert_first_letters", "lock_transfer", "get_transfer", "update_transfer",
                     "mark_letter", "applied_action", "record_action", "pending_extension",
                     "insert_extension_request", "insert_co_reply"):
            monkeypatch.setattr(repository, name, getattr(self, name))
        return self

    async def insert_transfers(self, conn: object, transfers: Sequence[NewTransfer]) -> set[UUID]:
        created = set()
        for t in transfers:
            if t.appeal_id in self.transfers:
                continue  # ON CONFLICT DO NOTHING
            self.transfers[t.appeal_id] = {
                "appeal_id": t.appeal_id, "tracking_number": t.tracking_number, "state": t.state,
                "unit_code": t.lead.code if t.decision else None, "co_unit_codes": [u.code for u in t.co],
                "rule_id": t.rule_id, "attempt": 1, "unit_trail": [t.lead.code] if t.decision else [],
                "returned_by": [], "redispatches": 0, "waiting_reason": t.waiting_reason,
                "directory_version": t.version, "updated_at": t.now,
            }
            created.add(t.appeal_id)
        return created

    async def insert_first_letters(self, conn: object, transfers: Sequence[NewTransfer], *, sent_by: str) -> None:
        for t in transfers:
            self.letters.setdefault((t.appeal_id, 1), {
                "unit_code": t.lead.code, "co_unit_codes": [u.code for u in t.co], "sent_by": sent_by,
                "sent_at": t.now, "signed_at": None, "returned_at": None, "return_reason": None})

    async def lock_transfer(self, conn: object, appeal_id: UUID) -> dict[str, Any] | None:
        return dict(self.transfers[appeal_id]) if appeal_id in self.transfers else None

    get_transfer = lock_transfer

    async def update_transfer(self, conn: object, appeal_id: UUID, now: datetime, **fields: Any) -> None:
        self.transfers[appeal_id].update(fields, updated_at=now)

    async def mark_letter(self, conn: object, appeal_id: UUID, attempt: int, **fields: Any) -> None:
        self.letters[(appeal_id, attempt)].update({k: v for k, v in fields.items() if v is not None})

    async def applied_action(self, conn: object, unit_code: str, action_id: str) -> dict[str, Any] | None:
        return self.actions.get((unit_code, action_id))

    async def record_action(self, conn: object, *, unit_code: str, action_id: str, appeal_id: UUID, action: str,
                            applied_at: datetime) -> None:
        self.actions[(unit_code, action_id)] = {"appeal_id": appeal_id, "action": action, "applied_at": applied_at}

    async def pending_extension(self, conn: object, appeal_id: UUID) -> dict[str, Any] | None:
        return next((r for r in self.extension_requests if r["appeal_id"] == appeal_id and r["pending"]), None)

    async def insert_extension_request(self, conn: object, appeal_id: UUID, unit_code: str, working_days: int,
                                       reason: str, now: datetime) -> None:
        self.extension_requests.append({"appeal_id": appeal_id, "unit_code": unit_code,
                                        "working_days": working_days, "reason": reason, "pending": True})

    async def insert_co_reply(self, conn: object, appeal_id: UUID, unit_code: str, reply: str,
                              now: datetime) -> None:
        self.co_replies.append({"appeal_id": appeal_id, "unit_code": unit_code, "reply": reply})
