"""Dispatch an accepted appeal by the catalogue; what no rule covers waits for an operator."""

import logging

from services.routing.adapters import repository
from services.routing.adapters.directory_store import DirectoryCache
from services.routing.domain.dispatch import NoResponsibleUnit, decide
from services.routing.handlers.letters import send_first_letter
from shared.clock import Clock
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, AppealQueuedForDispatch
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, directories: DirectoryCache, clock: Clock) -> None:
        self.directories = directories
        self.clock = clock

    async def on_accepted(self, uow: UnitOfWork, envelope: Envelope[AppealAccepted]) -> None:
        appeal = envelope.data
        now = self.clock.now()
        version, directory = await self.directories.current(uow.conn)
        try:
            decision = decide(directory, appeal.appeal_type.value, appeal.category, appeal.district,
                              appeal.description)
        except NoResponsibleUnit as unknown:
            decision, waiting = None, f"no rule covers it: {unknown}"
        created = await repository.insert_transfer(
            uow.conn, appeal_id=appeal.appeal_id, tracking_number=appeal.tracking_number, unit_code=None,
            unit_name=None, co_unit_codes=[], rule_id=None, state="awaiting_operator",
            appeal_type=appeal.appeal_type.value, subtype=appeal.subtype.value if appeal.subtype else None,
            category=appeal.category, district=appeal.district, dispatched_at=None,
            description=appeal.description, contact=appeal.contact.model_dump() if appeal.contact else None,
            waiting_reason=None if decision else waiting, directory_version=version, now=now,
        )
        if not created:
            return  # a second AppealAccepted for the same appeal (new event id): dispatch once
        if decision is None:
            log.warning("appeal %s waits for an operator: %s", appeal.appeal_id, waiting)
            uow.emit(AppealQueuedForDispatch(appeal_id=appeal.appeal_id, tracking_number=appeal.tracking_number,
                                             reason=waiting, queued_at=now))
            return
        transfer = await repository.get_transfer(uow.conn, appeal.appeal_id)
        await send_first_letter(uow, transfer, decision.lead, decision.co, rule_id=decision.rule_id, reason=None,
                                sent_by="catalogue", now=now, version=version)
