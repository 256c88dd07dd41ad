"""Accepted appeals: earlier reminders for enterprises, and concentrated-appeal detection.

Detection costs about the same for every appeal, however many recent appeals there are:

- category+district: join the open cluster of the place (one indexed row, locked); only when
  there is none, COUNT the same-place appeals in the window and open one at the threshold;
- similar text: compare with the representatives (opening member's shingles) of the few open
  similar-text clusters; only when none is alike, fetch the candidates that share a shingle
  prefix (GIN index) and open a cluster at the threshold.

A cluster that grows gets one new member row and one more appeal under key supervision; it
is announced once, when it opens (ConcentrationDetected with all its members).
"""

from datetime import datetime
from uuid import UUID

from services.sla.adapters import concentration as store
from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain.concentration import (
    Profile, place_description, shingles, similarity, text_description, text_prefilter,
)
from services.sla.domain.rules import Rules
from shared.clock import Clock
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, ConcentrationDetected
from shared.unit_of_work import UnitOfWork

# Opening a cluster is serialised across replicas: two appeals of one problem handled
# concurrently cannot see each other's uncommitted rows, so without it both could open a
# cluster (two clusters for one problem) or both could count one short (a missed one). The
# lock is taken only on the opening path (no open cluster to join), and the lookup is
# repeated under it. Joining locks only the cluster row.
_OPENING_LOCK = "SELECT pg_advisory_xact_lock(hashtext('sla:concentration'))"

PLACE, TEXT = "category_district", "similar_text"


class Concentration:
    def __init__(self, rules: Rules, calendars: CalendarCache, clock: Clock):
        self.rules, self.calendars, self.clock = rules, calendars, clock

    async def on_accepted(self, uow: UnitOfWork, envelope: Envelope[AppealAccepted]) -> None:
        appeal = envelope.data
        # The business-environment line and enterprises' appeals get the early reminder step.
        early = appeal.business_line or appeal.enterprise
        profile = Profile(appeal.appeal_id, appeal.category, appeal.district, shingles(appeal.description),
                          appeal.accepted_at)
        if not await store.insert_profile(uow.conn, profile, early):
            return
        if early:
            await self._flag_existing_deadline(uow, appeal.appeal_id)
        window = self.rules.concentration.window
        lo, hi = profile.accepted_at - window, profile.accepted_at + window
        supervised: set[UUID] = set()
        supervised |= await self._same_place(uow, profile, lo, hi)
        supervised |= await self._similar_text(uow, profile, lo, hi)
        if supervised:
            await store.put_under_key_supervision(uow.conn, sorted(supervised))

    async def _same_place(self, uow: UnitOfWork, profile: Profile, lo: datetime, hi: datetime) -> set[UUID]:
        conn, rules = uow.conn, self.rules.concentration
        cluster_id = await store.open_place_cluster(conn, profile.category, profile.district, lo, hi)
        if cluster_id is None:
            await conn.execute(_OPENING_LOCK)
            cluster_id = await store.open_place_cluster(conn, profile.category, profile.district, lo, hi)
        if cluster_id is not None:
            return {profile.appeal_id} if await store.join(conn, cluster_id, profile.appeal_id,
                                                           profile.accepted_at) else set()
        # The new appeal's own row is visible here, so it is part of the count.
        if await store.count_same_place(conn, profile.category, profile.district, lo, hi) \
                < rules.same_category_district:
            return set()
        members = await store.same_place(conn, profile.category, profile.district, lo, hi)
        return await self._open(uow, PLACE, place_description(rules), profile, members, representative=None)

    async def _similar_text(self, uow: UnitOfWork, profile: Profile, lo: datetime, hi: datetime) -> set[UUID]:
        conn, rules = uow.conn, self.rules.concentration
        threshold = rules.similar_text_min_similarity
        prefilter = text_prefilter(profile.shingles, threshold)
        if prefilter is None:
            return set()  # nothing is similar to an empty text
        cluster_id = await self._alike_cluster(uow, profile, lo, hi, prefilter)
        if cluster_id is None:
            await conn.execute(_OPENING_LOCK)
            cluster_id = await self._alike_cluster(uow, profile, lo, hi, prefilter)
        if cluster_id is None:
            candidates = await store.text_candidates(conn, profile, lo, hi, prefilter.prefix, prefilter.min_size,
                                                     prefilter.max_size, self.rules.candidates_limit)
            alike = [(appeal_id, at) for appeal_id, other, at in candidates
                     if similarity(other, profile.shingles) >= threshold]
            if len(alike) + 1 < rules.similar_text_min_count:
                return set()
            # An open cluster that already holds one of them (its representative drifted away).
            cluster_id = await store.open_cluster_of(conn, TEXT, [a for a, _ in alike], lo, hi)
            if cluster_id is None:
                members = [*alike, (profile.appeal_id, profile.accepted_at)]
                return await self._open(uow, TEXT, text_description(rules), profile, members,
                                        representative=profile.shingles)
        return {profile.appeal_id} if await store.join(conn, cluster_id, profile.appeal_id,
                                                       profile.accepted_at) else set()

    async def _alike_cluster(self, uow: UnitOfWork, profile: Profile, lo: datetime, hi: datetime,
                             prefilter) -> UUID | None:
        """The newest open similar-text cluster whose representative is alike, locked."""
        threshold = self.rules.concentration.similar_text_min_similarity
        for cluster_id, representative in await store.open_text_clusters(
                uow.conn, lo, hi, prefilter.prefix, prefilter.min_size, prefilter.max_size):
            if similarity(representative, profile.shingles) >= threshold:
                await store.lock_cluster(uow.conn, cluster_id)
                return cluster_id
        return None

    async def _open(self, uow: UnitOfWork, rule: str, description: str, profile: Profile,
                    members: list[tuple[UUID, datetime]], representative: frozenset[int] | None) -> set[UUID]:
        """Open a cluster and announce it with every member; all of them go under key supervision."""
        ids = tuple(sorted({m for m, _ in members}))
        cluster_id = await store.open_cluster(
            uow.conn, rule=rule, category=profile.category, district=profile.district, members=list(ids),
            first_at=min(at for _, at in members), last_at=max(at for _, at in members),
            at=profile.accepted_at, rules_version=self.rules.version, representative=representative)
        now = self.clock.now()
        uow.emit(ConcentrationDetected(cluster_id=cluster_id, appeal_ids=ids, category=profile.category,
                                       district=profile.district, rule=description, detected_at=now), time=now)
        return set(ids)

    async def _flag_existing_deadline(self, uow: UnitOfWork, appeal_id) -> None:
        """The letter arrived before the acceptance (topics are not ordered with each other)."""
        row = await repository.lock(uow.conn, appeal_id)
        if row is None or row["early_reminder"]:
            return
        row["early_reminder"] = True
        state.plan_next(row, await self.calendars.current(uow.conn), self.rules)
        await repository.save(uow.conn, row)
