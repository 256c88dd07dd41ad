"""Accepted appeals: earlier reminders for enterprises, and concentrated-appeal detection.

A run of AppealAccepted events costs a handful of statements whatever its length:
1. the concentration lock, then what the run can meet, loaded once: the open clusters around
   it; the earlier same-place appeals, only for appeals whose place has no open cluster; the
   similar-text candidates (shingle prefilter), only for appeals with no alike open cluster;
   and the clusters of the candidates that are alike;
2. one insert of the profiles (a redelivered acceptance inserts nothing and changes nothing);
3. the decisions, in memory and in the run's order (domain/clusters.py): each appeal sees the
   ones before it exactly as if they had been committed one by one;
4. one write each for new clusters, new members, widened clusters and key supervision.

Detection costs about the same for every appeal, however many recent appeals there are: an
appeal that has an open cluster to join never counts or searches. A cluster that grows gets
one new member row and one more appeal under key supervision; it is announced once, when it
opens (ConcentrationDetected with all its members).
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.sla.adapters import concentration as store
from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain.clusters import PLACE, ClusterRun
from services.sla.domain.concentration import Profile, place_description, shingles, text_description
from services.sla.domain.rules import Rules
from shared.clock import Clock
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, ConcentrationDetected
from shared.unit_of_work import UnitOfWork

# Cluster changes are serialised across replicas: two appeals of one problem handled
# concurrently cannot see each other's uncommitted rows, so without it both could open a
# cluster (two clusters for one problem) or both could count one short (a missed one). Every
# run takes it before it reads or locks anything of concentration, so what it loads is what
# the previous holder committed, and no run can hold a cluster row while it waits for the
# lock (the former deadlock between a joining and an opening replica).
_CONCENTRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('sla:concentration'))"


class Concentration:
    def __init__(self, rules: Rules, calendars: CalendarCache, clock: Clock):
        self.rules, self.calendars, self.clock = rules, calendars, clock

    async def on_accepted(self, uow: UnitOfWork, envelopes: Sequence[Envelope[AppealAccepted]]) -> None:
        profiles, early = self._profiles(envelopes)
        await uow.conn.execute(_CONCENTRATION_LOCK)
        run = await self._load(uow.conn, profiles)
        recorded = await store.insert_profiles(uow.conn, profiles, early)
        new = [p for p in profiles if p.appeal_id in recorded]  # in the run's order
        await self._flag_existing_deadlines(uow, [p.appeal_id for p in new if p.appeal_id in early])
        for profile in new:
            run.accept(profile)
        await self._write(uow, run)

    @staticmethod
    def _profiles(envelopes: Sequence[Envelope[AppealAccepted]]) -> tuple[list[Profile], set[UUID]]:
        """What detection keeps of each appeal (its first acceptance: a second one is a
        redelivery), and the appeals that get the early reminder step."""
        profiles: dict[UUID, Profile] = {}
        early: set[UUID] = set()
        for envelope in envelopes:
            appeal = envelope.data
            if appeal.appeal_id in profiles:
                continue
            profiles[appeal.appeal_id] = Profile(appeal.appeal_id, appeal.category, appeal.district,
                                                 shingles(appeal.description), appeal.accepted_at)
            # The business-environment line and enterprises' appeals get the early reminder step.
            if appeal.business_line or appeal.enterprise:
                early.add(appeal.appeal_id)
        return list(profiles.values()), early

    async def _load(self, conn: asyncpg.Connection, profiles: list[Profile]) -> ClusterRun:
        """Everything the run's decisions read, as committed before the run (nothing of the
        run is inserted yet, so no query has to leave the run's own appeals out)."""
        window = self.rules.concentration.window
        lo = min(p.accepted_at for p in profiles) - window
        hi = max(p.accepted_at for p in profiles) + window
        places = sorted({(p.category, p.district) for p in profiles})
        run = ClusterRun(self.rules.concentration, self.rules.candidates_limit,
                         await store.clusters_near(conn, lo, hi, places))
        counting = [p for p in profiles if run.may_count(p)]
        if counting:
            run.know_place_rows(counting, await store.same_place(conn, _place_windows(run, counting)))
        searching = [p for p in profiles if run.may_search(p)]
        if searching:
            around = [(p, *run.window(p), run.prefilter(p)) for p in searching]
            run.know_candidates(searching, await store.text_candidates(conn, around, self.rules.candidates_limit))
            alike = run.alike_candidates(searching)
            if alike:
                run.know_members(await store.memberships(conn, sorted(alike)))
        return run

    async def _write(self, uow: UnitOfWork, run: ClusterRun) -> None:
        conn = uow.conn
        await store.insert_clusters(conn, run.new_clusters(), self.rules.version)
        await store.add_members(conn, run.new_members())
        await store.widen(conn, run.widened())
        await store.put_under_key_supervision(conn, sorted(run.supervised))
        rule = self.rules.concentration
        for opened in run.opened:
            cluster, now = opened.cluster, self.clock.now()
            uow.emit(ConcentrationDetected(
                cluster_id=cluster.cluster_id, appeal_ids=opened.members, category=cluster.category,
                district=cluster.district, detected_at=now,
                rule=place_description(rule) if cluster.rule == PLACE else text_description(rule)), time=now)

    async def _flag_existing_deadlines(self, uow: UnitOfWork, appeal_ids: list[UUID]) -> None:
        """The letter arrived before the acceptance (topics are not ordered with each other).

        Called before key supervision is written: these rows are saved whole, flag included."""
        if not appeal_ids:
            return
        rows = [row for row in await repository.lock_many(uow.conn, appeal_ids) if not row["early_reminder"]]
        if not rows:
            return
        calendar = await self.calendars.current(uow.conn)
        for row in rows:
            row["early_reminder"] = True
            state.plan_next(row, calendar, self.rules)
        await repository.save_many(uow.conn, rows)


def _place_windows(run: ClusterRun, counting: list[Profile]) -> dict[tuple[str, str], tuple[datetime, datetime]]:
    """One window per place, spanning the windows of its appeals that may count."""
    windows: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for p in counting:
        lo, hi = run.window(p)
        known = windows.get((p.category, p.district))
        windows[(p.category, p.district)] = (min(lo, known[0]), max(hi, known[1])) if known else (lo, hi)
    return windows
