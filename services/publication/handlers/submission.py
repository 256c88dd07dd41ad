"""Open311 POST requests: turn a GeoReport submission into a SubmitAppeal for intake.

Services talk only through events, so the submission goes to intake's entrance topic via
the outbox, with channel "web" and a channel_message_id derived from the request, so a
retried POST is the same submission. The caller gets a token; GET tokens/{token} answers
with the tracking number once AppealAccepted names it.
"""

from dataclasses import dataclass
from uuid import UUID

from services.publication.adapters import open311 as store
from services.publication.domain.open311 import Open311Error, submission_id, token_for
from shared.contracts.events import Petitioner, SubmitAppeal
from shared.contracts.vocabulary import AppealType
from shared.runtime import ServiceContext


@dataclass(frozen=True)
class Open311Submission:
    appeal_type: str
    category: str
    description: str
    district: str
    address: str | None
    name: str
    phone: str


async def submit(ctx: ServiceContext, key_id: str, request: Open311Submission) -> UUID:
    fields = {"service_code": f"{request.appeal_type}/{request.category}", "description": request.description,
              "district": request.district, "address": request.address, "phone": request.phone,
              "name": request.name}
    channel_message_id = submission_id(key_id, fields)
    try:
        command = SubmitAppeal(
            channel="web", channel_message_id=channel_message_id, description=request.description,
            district=request.district, address=request.address, appeal_type=AppealType(request.appeal_type),
            category=request.category, petitioner=Petitioner(name=request.name, phone=request.phone),
            submitted_at=ctx.clock.now())
    except ValueError as wrong:  # pydantic's ValidationError: say which field, not the value
        first = wrong.errors(include_input=False)[0] if hasattr(wrong, "errors") else {"loc": (), "msg": str(wrong)}
        raise Open311Error(400, f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    token = token_for(channel_message_id)
    async with ctx.units_of_work() as uow:
        if await store.add_token(uow.conn, token, channel_message_id, key_id, ctx.clock.now()):
            uow.emit(command)
    return token
