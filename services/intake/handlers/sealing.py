"""The contact guard: no event of intake's reaches the outbox with a contact in clear.

Every acceptance path (the consumer, the HTTP entrance, the review queue, an answer at intake
turned into a transfer) builds its event with the petitioner's Contact; this hook, run by the
unit of work just before it stores the events (shared/unit_of_work.py), replaces that Contact
with the same Contact sealed under the appeal's data key (made here on first use, in the same
transaction) and adds the name's keyed hashes publication redacts with. One place, so a new
path cannot forget to seal.
"""

import dataclasses
from datetime import datetime
from typing import Any

import asyncpg

from services.intake.adapters import contact_store
from services.intake.domain.sealing import seal
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealAccepted, AppealAnsweredAtIntake
from shared.name_tags import name_tags
from shared.settings import Settings
from shared.unit_of_work import BeforeStore


def contact_guard(settings: Settings) -> BeforeStore:
    pepper = settings.pepper()

    async def seal_contacts(conn: asyncpg.Connection, pending: list[Envelope[Any]]) -> list[Envelope[Any]]:
        to_seal = [e.data for e in pending if isinstance(e.data, (AppealAccepted, AppealAnsweredAtIntake))
                   and e.data.contact is not None]
        if not to_seal:
            return pending
        # one statement for a whole batch of acceptances; the keys' time is the first acceptance's
        keys = await contact_store.data_keys(conn, [d.appeal_id for d in to_seal], _at(to_seal[0]))
        sealed = []
        for envelope in pending:
            data = envelope.data
            if isinstance(data, (AppealAccepted, AppealAnsweredAtIntake)) and data.contact is not None:
                data = data.model_copy(update={
                    "contact": None, "sealed_contact": seal(keys[data.appeal_id], data.appeal_id, data.contact),
                    "name_tags": tuple(sorted(name_tags([data.contact.name], pepper)))})
                envelope = dataclasses.replace(envelope, data=data)
            sealed.append(envelope)
        return sealed

    return seal_contacts


def _at(data: AppealAccepted | AppealAnsweredAtIntake) -> datetime:
    return data.accepted_at if isinstance(data, AppealAccepted) else data.answered_at
