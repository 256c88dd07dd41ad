"""The petitioner's contact for those who must reach them, and forgetting it (docs/personal-data.md).

The contact travels on the log only sealed; who needs it in clear asks intake here: the unit
that holds the appeal's transfer letter (to call the petitioner back; intake learns which
unit from routing's dispatch events) and the 12345 centre's staff. Every read is logged with
who read which appeal (never what). An admin forgets an appeal at once with POST .../forget.
"""

import json
import logging
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from services.intake.adapters import contact_store
from services.intake.handlers.forgetting import NotYetDecided, UnknownAppeal, forget
from shared.auth import Principal, require
from shared.contracts.events import Contact
from shared.runtime import Context

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["personal data"])
NO_NUL = r"^[^\x00]*$"


class PetitionerContact(Contact):
    """The contact the unit would open from the sealed one on the log, with the appeal it belongs to."""

    appeal_id: UUID
    tracking_number: str


class ForgetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, Field(min_length=1, max_length=500, pattern=NO_NUL)] | None = Field(
        None, description="Why (e.g. the petitioner's request and its reference); kept with the record")


class ForgetAnswer(BaseModel):
    appeal_id: UUID
    forgotten_at: datetime
    already: bool = Field(description="It had been forgotten before this request")


@router.get("/appeals/{appeal_id}/contact", response_model=PetitionerContact, response_model_exclude_none=True,
            responses={404: {"description": "No such appeal, or (a unit) one whose transfer letter it does not hold"},
                       410: {"description": "The petitioner's data was deleted (retention period or request)"}})
async def contact(appeal_id: UUID, ctx: Context,
                  principal: Annotated[Principal, Depends(require("unit", "operator", "supervisor", "admin"))]):
    """The petitioner's name, phone and address: for the lead unit of the appeal (role `unit`,
    the unit in the latest transfer letter) and the centre's staff."""
    row = await contact_store.contact_of(ctx.pool, appeal_id)
    # A unit that does not hold the letter gets what an unknown appeal gets (as at routing).
    if row is None or (principal.role == "unit" and (row["lead_unit"] is None
                                                      or row["lead_unit"] != principal.unit_code)):
        raise HTTPException(404, detail="no such appeal")
    if row["contact_forgotten_at"] is not None:
        raise HTTPException(410, detail="the petitioner's data was deleted on "
                            f"{row['contact_forgotten_at'].date().isoformat()}")
    petitioner = row["petitioner"]
    petitioner = json.loads(petitioner) if isinstance(petitioner, str) else petitioner
    # An access log without the data: who read which appeal's contact.
    log.info("contact of appeal %s read by %s (%s%s)", appeal_id, principal.subject, principal.role,
             f" {principal.unit_code}" if principal.unit_code else "")
    return PetitionerContact(appeal_id=appeal_id, tracking_number=row["tracking_number"], name=petitioner["name"],
                             phone=petitioner["phone"], address=row["address"],
                             enterprise_name=petitioner.get("enterprise_name"))


@router.post("/appeals/{appeal_id}/forget", response_model=ForgetAnswer,
             responses={404: {"description": "No such appeal"},
                        409: {"description": "Held for review or an answer offered: decide it first"}})
async def forget_now(appeal_id: UUID, ctx: Context, principal: Annotated[Principal, Depends(require("admin"))],
                     body: ForgetRequest | None = None):
    """Forget the petitioner of one appeal now (e.g. on their request): the data key and intake's
    copy are deleted, AppealContactForgotten tells routing and publication to drop theirs.
    Idempotent: a second request answers with the first one's time."""
    try:
        async with ctx.units_of_work() as uow:
            done = await forget(uow, appeal_id, reason="request", by=principal.subject,
                                note=body.note if body else None, now=ctx.clock.now())
    except UnknownAppeal:
        raise HTTPException(404, detail="no such appeal") from None
    except NotYetDecided as undecided:
        raise HTTPException(409, detail=f"the appeal is {undecided}; decide it before forgetting its petitioner") \
            from None
    log.info("petitioner of appeal %s forgotten at the request of %s", appeal_id, principal.subject)
    return ForgetAnswer(appeal_id=done.appeal_id, forgotten_at=done.forgotten_at, already=done.already)
