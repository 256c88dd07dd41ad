"""Routing's use cases: dispatch an accepted appeal to the unit in charge."""

import logging
from datetime import UTC, datetime

from services.routing.adapters import repository
from services.routing.domain.dispatch import Directory, NoResponsibleUnit, decide
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, AppealDispatched
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    async def on_accepted(self, uow: UnitOfWork, envelope: Envelope[AppealAccepted]) -> None:
        appeal = envelope.data
        now = datetime.now(UTC)
        common = dict(
            appeal_id=appeal.appeal_id, tracking_number=appeal.tracking_number,
            appeal_type=appeal.appeal_type.value, subtype=appeal.subtype.value if appeal.subtype else None,
            category=appeal.category, district=appeal.district,
        )
        try:
            decision = decide(self.directory, appeal.appeal_type.value, appeal.category,
                              appeal.district, appeal.description)
        except NoResponsibleUnit as unknown:
            log.warning("appeal %s waits for an operator: %s", appeal.appeal_id, unknown)
            await repository.insert_transfer(uow.conn, unit_code=None, co_unit_codes=[], rule_id=None,
                                             state="awaiting_operator", dispatched_at=None, **common)
            return
        created = await repository.insert_transfer(
            uow.conn, unit_code=decision.lead.code, co_unit_codes=[u.code for u in decision.co],
            rule_id=decision.rule_id, state="dispatched", dispatched_at=now, **common,
        )
        if not created:
            return  # a second AppealAccepted for the same appeal (new event id): dispatch once
        uow.emit(AppealDispatched(
            appeal_id=appeal.appeal_id, tracking_number=appeal.tracking_number,
            unit_code=decision.lead.code, unit_name=decision.lead.name_zh, unit_group=decision.lead.group,
            co_unit_codes=tuple(u.code for u in decision.co), rule_id=decision.rule_id,
            appeal_type=appeal.appeal_type, subtype=appeal.subtype, category=appeal.category,
            district=appeal.district, dispatched_at=now,
        ))
