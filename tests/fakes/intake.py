"""intake's adapters in memory: appeals, merges, operators' decisions, answer offers, examples."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from services.intake.adapters import classifier_store, knowledge_store, repository, review_queue
from services.intake.adapters.repository import Merge, NewAppeal, StoredAppeal
from services.intake.domain.duplicates import EarlierAppeal, ProblemFacts
from services.intake.domain.knowledge import Match


class FakeIntakeStore:
    """The rows intake's SQL would keep, with the same functions over dicts.

    `appeals` holds each appeal's row with the columns the handlers read (`SELECT *`), so a row
    stored by the acceptance is the row an operator's review or the petitioner's word locks.
    """

    def __init__(self) -> None:
        self.appeals: dict[UUID, dict[str, Any]] = {}
        self.merges: list[Merge] = []
        self.decisions: list[dict[str, Any]] = []
        self.offers: dict[UUID, dict[str, Any]] = {}
        self.examples: dict[UUID, dict[str, Any]] = {}
        self.lost_races: set[str] = set()  # channel message ids another transaction "stored first"

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "FakeIntakeStore":
        for module, names in ((repository, ("decided", "insert", "accepted_appeals", "record_merges",
                                            "set_handling", "petitioner_of")),
                              (review_queue, ("lock", "set_classification", "decide", "log_decision")),
                              (knowledge_store, ("record_offer", "offer_of", "conclude")),
                              (classifier_store, ("add_example",))):
            for name in names:
                monkeypatch.setattr(module, name, getattr(self, f"{module.__name__.rsplit('.', 1)[1]}_{name}"))
        return self

    def by_message(self, channel_message_id: str) -> dict[str, Any]:
        [row] = [r for r in self.appeals.values() if r["channel_message_id"] == channel_message_id]
        return row

    # --- repository ---------------------------------------------------------------

    async def repository_decided(self, conn: object, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredAppeal]:
        wanted = set(keys)
        found = {}
        for r in self.appeals.values():
            if (r["channel"], r["channel_message_id"]) in wanted:
                into = self.appeals.get(r["merged_into"]) if r["merged_into"] else None
                found[(r["channel"], r["channel_message_id"])] = StoredAppeal(
                    **{f.name: r[f.name] for f in fields(StoredAppeal) if f.name != "into_tracking_number"},
                    into_tracking_number=into["tracking_number"] if into else None)
        return found

    async def repository_insert(self, conn: object, appeals: Sequence[NewAppeal]) -> set[UUID]:
        stored = set()
        taken = {(r["channel"], r["channel_message_id"]) for r in self.appeals.values()}
        for a in appeals:
            key = (a.submission.channel.value, a.submission.channel_message_id)
            if key in taken or a.submission.channel_message_id in self.lost_races:
                continue  # ON CONFLICT (channel, channel_message_id) DO NOTHING
            taken.add(key)
            self.appeals[a.appeal_id] = {
                "appeal_id": a.appeal_id, "tracking_number": a.tracking_number, "channel": key[0],
                "channel_message_id": key[1], "status": a.status, "appeal_type": a.appeal_type,
                "subtype": a.subtype, "category": a.category, "district": a.district,
                "description": a.description, "address": a.submission.address, "private": a.submission.private,
                "petitioner": json.dumps(asdict(a.petitioner), ensure_ascii=False),
                "classification": a.classification, "reason": a.reason, "refer_to": a.refer_to,
                "received_at": a.received_at, "petitioner_phone": a.petitioner.phone,
                "business_line": a.business_line, "inquiry_code_hash": a.inquiry_code_hash,
                "merged_into": a.merged_into, "handling": "open", "handling_changed_at": None,
                "decided_by": None, "decided_at": None,
            }
            stored.add(a.appeal_id)
        return stored

    async def repository_accepted_appeals(self, conn: object, phones: Iterable[str], since: datetime,
                                          limit: int) -> list[EarlierAppeal]:
        wanted = set(phones)
        found: list[EarlierAppeal] = []
        for phone in wanted:
            rows = sorted((r for r in self.appeals.values() if r["status"] == "accepted"
                           and r["petitioner_phone"] == phone and r["received_at"] >= since),
                          key=lambda r: r["received_at"], reverse=True)[:limit]
            found += [EarlierAppeal(r["appeal_id"], r["tracking_number"], ProblemFacts(
                r["petitioner_phone"], r["district"], r["appeal_type"], r["category"], r["private"],
                r["description"], r["received_at"]), open=r["handling"] == "open") for r in rows]
        return found

    async def repository_record_merges(self, conn: object, merges: Sequence[Merge]) -> None:
        self.merges += merges

    async def repository_set_handling(self, conn: object, appeal_id: UUID, handling: str, at: datetime) -> bool:
        row = self.appeals.get(appeal_id)
        if row is None or (row["handling_changed_at"] is not None and row["handling_changed_at"] > at):
            return False
        row.update(handling=handling, handling_changed_at=at)
        return True

    async def repository_petitioner_of(self, conn: object, appeal_id: UUID) -> dict[str, Any] | None:
        row = self.appeals.get(appeal_id)
        if row is None or row["status"] != "accepted":
            return None
        return {k: row[k] for k in ("tracking_number", "petitioner_phone", "private")}

    # --- review_queue -------------------------------------------------------------

    async def review_queue_lock(self, conn: object, appeal_id: UUID) -> dict[str, Any] | None:
        return dict(self.appeals[appeal_id]) if appeal_id in self.appeals else None

    async def review_queue_set_classification(self, conn: object, appeal_id: UUID, appeal_type: str | None,
                                              subtype: str | None, category: str | None, district: str | None) -> None:
        self.appeals[appeal_id].update(appeal_type=appeal_type, subtype=subtype, category=category, district=district)

    async def review_queue_decide(self, conn: object, appeal_id: UUID, status: str, *, by: str, at: datetime,
                                  classification: dict[str, Any] | None = None, reason: str | None = None) -> None:
        row = self.appeals[appeal_id]
        row.update(status=status, decided_by=by, decided_at=at)
        if classification is not None:
            row["classification"] = classification
        if reason is not None:
            row["reason"] = reason

    async def review_queue_log_decision(self, conn: object, appeal_id: UUID, action: str, *, by: str, reason: str,
                                        changes: dict[str, Any], at: datetime) -> None:
        self.decisions.append({"appeal_id": appeal_id, "action": action, "decided_by": by, "reason": reason,
                               "changes": changes, "decided_at": at})

    # --- knowledge_store, classifier_store ----------------------------------------

    async def knowledge_store_record_offer(self, conn: object, appeal_id: UUID, match: Match, at: datetime,
                                           token_hash: str | None) -> None:
        assert appeal_id not in self.offers, "answer_offers has the appeal id as its key"
        self.offers[appeal_id] = {"appeal_id": appeal_id, "entry_id": match.entry.entry_id,
                                  "entry_version": match.entry.version, "answer": match.entry.answer,
                                  "score": match.score, "offered_at": at, "concluded": None,
                                  "answer_token_hash": token_hash}

    async def knowledge_store_offer_of(self, conn: object, appeal_id: UUID) -> dict[str, Any] | None:
        return self.offers.get(appeal_id)

    async def knowledge_store_conclude(self, conn: object, appeal_id: UUID, how: str, *, by: str,
                                       at: datetime) -> None:
        self.offers[appeal_id].update(concluded=how, concluded_by=by, concluded_at=at)

    async def classifier_store_add_example(self, conn: object, appeal_id: UUID, label: str, *, by: str,
                                           at: datetime) -> None:
        self.examples[appeal_id] = {"label": label, "decided_by": by,
                                    "text": self.appeals[appeal_id]["description"]}
