"""Accepted appeals: earlier reminders for enterprises, and concentrated-appeal detection.

A run of AppealAccepted events costs a handful of statements whatever its length, and what it
reads does not grow with a cluster's size or a place's traffic:
1. the concentration lock, then the groups filed under the run's LSH buckets (bounded per
   bucket), their exemplars and the members of those that are still candidates;
2. one insert of the profiles (a redelivered acceptance inserts nothing and changes nothing);
3. the decisions, in memory and in the run's order (domain/clusters.py);
4. one write each for new groups, changed groups (counters), members, exemplars, buckets and
   key supervision, and a bounded prune of closed groups' buckets.

A cluster is announced once, when it reaches min_members (ConcentrationDetected with those
members); later members are a counter, a member row and key supervision for the newcomer.
"""

from collections.abc import Sequence
from uuid import UUID

from services.sla.adapters import concentration as store
from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain.clusters import Appeal, GroupRun
from services.sla.domain.concentration import band_keys, description, shingles
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


# Closed groups whose buckets one run deletes at most: a bounded, steady clean-up.
PRUNE_PER_RUN = 200


class Concentration:
    def __init__(self, rules: Rules, calendars: CalendarCache, clock: Clock):
        self.rules, self.calendars, self.clock = rules, calendars, clock

    async def on_accepted(self, uow: UnitOfWork, envelopes: Sequence[Envelope[AppealAccepted]]) -> None:
        appeals, early = self._appeals(envelopes)
        rules = self.rules.concentration
        conn = uow.conn
        await conn.execute(_CONCENTRATION_LOCK)
        earliest = min(a.accepted_at for a in appeals)
        keys = [key for a in appeals for key in a.bands]
        groups = await store.groups_near(conn, keys, earliest, rules) if keys else []
        recorded = await store.insert_profiles(
            conn, [(a.appeal_id, a.category, a.district, a.appeal_id in early, a.accepted_at) for a in appeals])
        new = [a for a in appeals if a.appeal_id in recorded]  # in the run's order
        await self._flag_existing_deadlines(uow, [a.appeal_id for a in new if a.appeal_id in early])
        run = GroupRun(rules, groups)
        for appeal in new:
            run.accept(appeal)
        await store.write_groups(conn, run.new_groups(), run.changed_groups(), rules, self.rules.version)
        await store.add_members(conn, run.new_members())
        await store.add_exemplars(conn, run.new_exemplars())
        await store.add_bands(conn, run.new_bands())
        await store.put_under_key_supervision(conn, run.supervised)
        await store.prune(conn, earliest - max(rules.window, rules.cluster_idle), PRUNE_PER_RUN)
        for found in run.detected:
            group, now = found.group, self.clock.now()
            uow.emit(ConcentrationDetected(
                cluster_id=group.group_id, appeal_ids=found.members, category=group.category,
                district=group.district, detected_at=now, rule=description(rules)), time=now)

    def _appeals(self, envelopes: Sequence[Envelope[AppealAccepted]]) -> tuple[list[Appeal], set[UUID]]:
        """What detection keeps of each appeal (its first acceptance: a second one is a
        redelivery), and the appeals that get the early reminder step."""
        rules = self.rules.concentration
        appeals: dict[UUID, Appeal] = {}
        early: set[UUID] = set()
        for envelope in envelopes:
            appeal = envelope.data
            if appeal.appeal_id in appeals:
                continue
            counted = rules.counts(appeal.appeal_type.value, appeal.subtype.value if appeal.subtype else None)
            grams = shingles(appeal.description) if counted else frozenset()
            appeals[appeal.appeal_id] = Appeal(appeal.appeal_id, appeal.category, appeal.district, grams,
                                               band_keys(grams, appeal.district, rules), appeal.accepted_at)
            # The business-environment line and enterprises' appeals get the early reminder step.
            if appeal.business_line or appeal.enterprise:
                early.add(appeal.appeal_id)
        return list(appeals.values()), early

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
