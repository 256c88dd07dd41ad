"""publication's adapters in memory: the public rows and timeline, the feed, Open311 tokens,
evaluations and their tokens, return calls, and the inquiry attempt counters."""

import copy
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from services.publication.adapters import evaluations, feed, limits, repository
from services.publication.adapters import open311 as open311_store


class FakePublicationStore:
    """The rows publication's adapters would keep. A row read is a copy, as one read from the
    table: what a handler changes counts only once it is saved."""

    def __init__(self) -> None:
        self.rows: dict[UUID, dict[str, Any]] = {}
        self.steps: set[tuple[UUID, str, datetime]] = set()
        self.feed: list[tuple[str, dict[str, Any]]] = []
        self.open311_tokens: dict[str, str | None] = {}  # channel_message_id -> tracking number
        self.evaluations: dict[tuple[UUID, datetime], dict[str, Any]] = {}
        self.evaluation_tokens: list[dict[str, Any]] = []
        self.return_calls: dict[UUID, dict[str, Any]] = {}
        self.attempts: Counter[tuple[str, datetime]] = Counter()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> "FakePublicationStore":
        for module, names in ((repository, ("lock_rows", "save", "add_steps", "get", "timeline")),
                              (feed, ("append",)), (open311_store, ("add_token", "resolve")),
                              (evaluations, ("record", "dissatisfied_count", "add_token", "token_valid",
                                             "open_return_call")),
                              (limits, ("count_attempt",))):
            for name in names:
                fake = getattr(self, f"{module.__name__.rsplit('.', 1)[1]}_{name}")
                monkeypatch.setattr(module, name, fake)
        return self

    def step_names(self, appeal_id: UUID) -> list[str]:
        return [name for appeal, name, _ in sorted(self.steps, key=lambda s: (s[2], s[1])) if appeal == appeal_id]

    # repository -----------------------------------------------------------------------
    async def repository_lock_rows(self, conn: object, appeal_ids: Collection[UUID]) -> dict[UUID, dict[str, Any]]:
        return {a: copy.deepcopy(self.rows[a]) for a in appeal_ids if a in self.rows}

    async def repository_save(self, conn: object, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.rows[row["appeal_id"]] = copy.deepcopy(row)

    async def repository_add_steps(self, conn: object, steps: Sequence[tuple[UUID, str, datetime]]) -> None:
        self.steps.update(steps)  # the primary key makes a step seen twice a no-op

    async def repository_get(self, conn: object, tracking_number: str, *,
                             for_update: bool = False) -> dict[str, Any] | None:
        found = [r for r in self.rows.values() if r["tracking_number"] == tracking_number]
        return copy.deepcopy(found[0]) if found else None

    async def repository_timeline(self, conn: object, appeal_id: UUID) -> list[dict[str, Any]]:
        return [{"step": name, "at": at} for appeal, name, at in sorted(self.steps, key=lambda s: (s[2], s[1]))
                if appeal == appeal_id]

    # feed and Open311 -----------------------------------------------------------------
    async def feed_append(self, conn: object, entries: Sequence[tuple[str, dict[str, Any]]]) -> None:
        self.feed.extend(entries)

    async def open311_add_token(self, conn: object, token: UUID, channel_message_id: str, key_id: str,
                                now: datetime) -> bool:
        if channel_message_id in self.open311_tokens:
            return False  # the same submission posted before
        self.open311_tokens[channel_message_id] = None
        return True

    async def open311_resolve(self, conn: object, accepted: Mapping[str, str]) -> None:
        for message_id, number in accepted.items():
            if message_id in self.open311_tokens and self.open311_tokens[message_id] is None:
                self.open311_tokens[message_id] = number

    # evaluations ----------------------------------------------------------------------
    async def evaluations_record(self, conn: object, appeal_id: UUID, replied_at: datetime, satisfaction: str,
                                 solved: bool, via: str, comment: str | None, recorded_by: str | None,
                                 evaluated_at: datetime) -> bool:
        if (appeal_id, replied_at) in self.evaluations:
            return False  # ON CONFLICT (appeal_id, replied_at) DO NOTHING
        self.evaluations[(appeal_id, replied_at)] = {
            "satisfaction": satisfaction, "solved": solved, "via": via, "comment": comment,
            "recorded_by": recorded_by, "evaluated_at": evaluated_at}
        return True

    async def evaluations_dissatisfied_count(self, conn: object, appeal_id: UUID) -> int:
        return sum(1 for (appeal, _), e in self.evaluations.items()
                   if appeal == appeal_id and e["satisfaction"] == "dissatisfied" and not e["solved"])

    async def evaluations_add_token(self, conn: object, appeal_id: UUID, token_hash: str, replied_at: datetime,
                                    expires_at: datetime) -> None:
        token = {"appeal_id": appeal_id, "token_hash": token_hash, "replied_at": replied_at, "expires_at": expires_at}
        if token not in self.evaluation_tokens:
            self.evaluation_tokens.append(token)

    async def evaluations_token_valid(self, conn: object, appeal_id: UUID, token_hash: str, now: datetime) -> bool:
        return any(t["appeal_id"] == appeal_id and t["token_hash"] == token_hash and t["expires_at"] > now
                   for t in self.evaluation_tokens)

    async def evaluations_open_return_call(self, conn: object, appeal_id: UUID, tracking_number: str,
                                           unit_code: str | None, dissatisfied: int, at: datetime) -> bool:
        if appeal_id in self.return_calls:
            return False
        self.return_calls[appeal_id] = {"tracking_number": tracking_number, "unit_code": unit_code,
                                        "dissatisfied_ratings": dissatisfied, "requested_at": at}
        return True

    # inquiry limits -------------------------------------------------------------------
    async def limits_count_attempt(self, conn: object, bucket: str, window_start: datetime) -> int:
        self.attempts[(bucket, window_start)] += 1
        return self.attempts[(bucket, window_start)]
