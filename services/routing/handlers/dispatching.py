"""Dispatch accepted appeals by the catalogue; what no rule covers waits for an operator.

A run of AppealAccepted events is dispatched with three statements whatever its length: the
directory's version, one insert of every new transfer (already in its dispatched or waiting
state), one insert of every first letter. Deciding is pure and needs nothing from other
appeals, so the decisions are made in memory first.
"""

import logging
from collections.abc import Sequence

from services.routing.adapters import repository
from services.routing.adapters.directory_store import DirectoryCache
from services.routing.domain.dispatch import NoResponsibleUnit, decide
from shared.clock import Clock
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, AppealDispatched, AppealQueuedForDispatch
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, directories: DirectoryCache, clock: Clock) -> None:
        self.directories = directories
        self.clock = clock

    async def on_accepted(self, uow: UnitOfWork, envelopes: Sequence[Envelope[AppealAccepted]]) -> None:
        now = self.clock.now()
        version, directory = await self.directories.current(uow.conn)
        transfers: dict = {}  # appeal id -> NewTransfer; a second AppealAccepted of one appeal dispatches once
        for envelope in envelopes:
            appeal = envelope.data
            if appeal.appeal_id in transfers:
                continue
            try:
                decision = decide(directory, appeal.appeal_type.value, appeal.category, appeal.district,
                                  appeal.description)
            except NoResponsibleUnit as unknown:
                decision, waiting = None, f"no rule covers it: {unknown}"
            transfers[appeal.appeal_id] = repository.NewTransfer(
                appeal, decision, waiting_reason=None if decision else waiting, version=version, now=now)
        created = await repository.insert_transfers(uow.conn, list(transfers.values()))
        sent = [t for t in transfers.values() if t.appeal_id in created]  # the run's order
        await repository.insert_first_letters(uow.conn, [t for t in sent if t.state == "dispatched"],
                                              sent_by="catalogue")
        for t in sent:
            if t.state == "awaiting_operator":
                log.warning("appeal %s waits for an operator: %s", t.appeal_id, t.waiting_reason)
                uow.emit(AppealQueuedForDispatch(appeal_id=t.appeal_id, tracking_number=t.tracking_number,
                                                 reason=t.waiting_reason, queued_at=now))
                continue
            uow.emit(AppealDispatched(
                appeal_id=t.appeal_id, tracking_number=t.tracking_number, unit_code=t.lead.code,
                unit_name=t.lead.name_zh, unit_group=t.lead.group, co_unit_codes=tuple(u.code for u in t.co),
                rule_id=t.rule_id, appeal_type=t.appeal.appeal_type, subtype=t.appeal.subtype,
                category=t.appeal.category, district=t.appeal.district, attempt=1, dispatched_at=now,
            ))
