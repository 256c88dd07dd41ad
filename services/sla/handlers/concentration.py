"""Accepted appeals: earlier reminders for enterprises, and concentrated-appeal detection."""

from services.sla.adapters import concentration as store
from services.sla.adapters import repository
from services.sla.adapters.calendar_store import CalendarCache
from services.sla.domain import deadline_state as state
from services.sla.domain.concentration import Profile, detect, shingles
from services.sla.domain.rules import Rules
from shared.clock import Clock
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, ConcentrationDetected
from shared.unit_of_work import UnitOfWork

# One detector at a time across replicas: two members of one cluster handled concurrently
# would otherwise open two clusters for the same problem.
_DETECTOR_LOCK = "SELECT pg_advisory_xact_lock(hashtext('sla:concentration'))"


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
        await uow.conn.execute(_DETECTOR_LOCK)
        rules = self.rules.concentration
        recent = await store.recent(uow.conn, profile, rules.window, self.rules.candidates_limit)
        now = self.clock.now()
        for finding in detect(profile, recent, rules):
            cluster_id, added, members = await store.join_or_open(
                uow.conn, rule=finding.rule, category=appeal.category, district=appeal.district,
                members=finding.members, window_start=profile.accepted_at - rules.window,
                at=profile.accepted_at, rules_version=self.rules.version,
            )
            if not added:
                continue
            await store.put_under_key_supervision(uow.conn, members)
            uow.emit(ConcentrationDetected(cluster_id=cluster_id, appeal_ids=tuple(members),
                                           category=appeal.category, district=appeal.district,
                                           rule=finding.description, detected_at=now), time=now)

    async def _flag_existing_deadline(self, uow: UnitOfWork, appeal_id) -> None:
        """The letter arrived before the acceptance (topics are not ordered with each other)."""
        row = await repository.lock(uow.conn, appeal_id)
        if row is None or row["early_reminder"]:
            return
        row["early_reminder"] = True
        state.plan_next(row, await self.calendars.current(uow.conn), self.rules)
        await repository.save(uow.conn, row)
