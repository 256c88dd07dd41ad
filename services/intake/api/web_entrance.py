"""The anonymous web entrance: limits per client and phone, and proof the submitter holds the phone.

The website is the only entrance open without a token. Before a web appeal is accepted the
submitter asks for a confirmation code (`POST /v1/web/phone-confirmations`), which is sent to
the phone through the notifications port, and submits with the confirmation id and the code.
Every refusal looks the same (403 "phone confirmation failed"): the caller is not told whether
the id, the phone, the code or the expiry was wrong.
"""

import hashlib
import hmac
from datetime import timedelta
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.intake.adapters import web_entrance as store
from services.intake.domain.notifications import confirmation_text, international
from services.intake.domain.validators import canonical_phone
from services.intake.domain.web_entrance import (
    Limit,
    client_address,
    confirmation_holds,
    retry_after_seconds,
    window_start,
)
from shared.contracts.events import NotifyPetitioner
from shared.loops import run_forever
from shared.one_time import keyed_hash, new_numeric_code
from shared.refusals import Refusal, Refused
from shared.runtime import Context, ServiceContext
from shared.settings import Settings
from shared.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1/web", tags=["web entrance"])
CONFIRMATION_PURPOSE = "phone-confirmation"
CONFIRMATION_FAILED = "phone confirmation failed"


class TooMany(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many requests")
        self.retry_after = retry_after


def too_many_response(exc: TooMany) -> JSONResponse:
    return JSONResponse({"detail": "too many requests; try again later"}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})


def client_of(request: Request, settings: Settings) -> str:
    forwarded = request.headers.get(settings.trusted_proxy_header) if settings.trusted_proxy_header else None
    trusted = frozenset(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
    return client_address(request.client.host if request.client else None, forwarded, trusted)


def _bucket(pepper: bytes, scope: str, value: str) -> str:
    # Keyed hashes: the counter table holds neither addresses nor phone numbers.
    return f"{scope}:" + hmac.new(pepper, f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def phone_hash(pepper: bytes, phone: str) -> str:
    return keyed_hash(pepper, "phone", phone)


async def check_limits(ctx: ServiceContext, client: str | None = None, phone: str | None = None) -> None:
    """Count one anonymous request against its client and/or phone; TooMany when over a limit."""
    s, now, pepper = ctx.settings, ctx.clock.now(), ctx.settings.pepper()
    window = timedelta(seconds=s.web_limit_window_seconds)
    limits = []
    if client is not None:
        limits.append((Limit("client", s.web_limit_per_client, window), client))
    if phone is not None:
        limits.append((Limit("phone", s.web_limit_per_phone, window), phone))
    waits = [retry_after_seconds(now, limit.window) for limit, value in limits
             if await store.count_attempt(ctx.pool, _bucket(pepper, limit.scope, value),
                                          window_start(now, limit.window)) > limit.attempts]
    if waits:
        raise TooMany(max(waits))


class ConfirmationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]


class ConfirmationSent(BaseModel):
    confirmation_id: UUID = Field(description="Send it back with the code (X-Confirmation-Id)")
    expires_in: int = Field(description="Seconds the code stays valid")


@router.post("/phone-confirmations", status_code=202, response_model=ConfirmationSent,
             responses={429: {"description": "Too many requests from this client or for this phone"},
                        422: {"description": "Not a phone number"}})
async def request_confirmation(body: ConfirmationRequest, request: Request,
                               ctx: Context):
    """Send a one-time code to the phone (SMS, through hotline.notifications.v1)."""
    try:
        # Every request from the client counts, even one with a wrong number; then the phone's.
        await check_limits(ctx, client=client_of(request, ctx.settings))
        phone = canonical_phone(body.phone, "phone")  # or 422 naming the field
        await check_limits(ctx, phone=phone)
    except TooMany as exc:
        return too_many_response(exc)
    now, pepper = ctx.clock.now(), ctx.settings.pepper()
    ttl = ctx.settings.confirmation_ttl_seconds
    confirmation_id, code = uuid4(), new_numeric_code()
    async with ctx.units_of_work() as uow:
        await store.add_confirmation(uow.conn, confirmation_id, phone_hash(pepper, phone),
                                     keyed_hash(pepper, CONFIRMATION_PURPOSE, f"{confirmation_id}:{code}"),
                                     now, now + timedelta(seconds=ttl))
        uow.emit(NotifyPetitioner(notification_id=confirmation_id, kind="phone_confirmation",
                                  phone=international(phone), code=code, created_at=now,
                                  text=confirmation_text(code, max(1, ttl // 60))))
    return ConfirmationSent(confirmation_id=confirmation_id, expires_in=ttl)


async def confirm_phone(ctx: ServiceContext, uow: UnitOfWork, confirmation_id: str | None, code: str | None,
                        phone: str, channel_message_id: str) -> UUID:
    """Inside the submission's transaction: the confirmation, locked and marked used; or
    RefusedConfirmation (403), or 401 when the headers are missing.

    A refused guess is counted in its own transaction, since the submission's is rolled back.
    """
    if not confirmation_id or not code:
        raise HTTPException(401, detail="a web appeal needs a phone confirmation "
                                        "(X-Confirmation-Id and X-Confirmation-Code)")
    try:
        cid = UUID(confirmation_id)
    except ValueError:
        raise RefusedConfirmation(None) from None
    pepper, now = ctx.settings.pepper(), ctx.clock.now()
    stored = await store.lock_confirmation(uow.conn, cid)
    offered = keyed_hash(pepper, CONFIRMATION_PURPOSE, f"{cid}:{code}")
    if not confirmation_holds(stored, phone_hash=phone_hash(pepper, phone), code_hash=offered, now=now,
                              max_attempts=ctx.settings.confirmation_max_attempts,
                              channel_message_id=channel_message_id):
        raise RefusedConfirmation(cid if stored is not None else None)
    await store.use_confirmation(uow.conn, cid, channel_message_id, now)
    return cid


class RefusedConfirmation(Refused):
    """The code did not prove the phone (403, the same words whatever was wrong); the guess is
    counted once the submission's transaction is gone."""

    def __init__(self, confirmation_id: UUID | None):
        super().__init__(Refusal.FORBIDDEN, CONFIRMATION_FAILED)
        self.confirmation_id = confirmation_id

    async def count(self, ctx: ServiceContext) -> None:
        if self.confirmation_id is not None:
            await store.count_guess(ctx.pool, self.confirmation_id)


async def prune_web_entrance(ctx: ServiceContext) -> None:
    """Background loop: forget counters of windows long past and confirmations long expired."""
    keep = timedelta(seconds=2 * max(ctx.settings.web_limit_window_seconds, ctx.settings.confirmation_ttl_seconds))

    async def prune() -> None:
        await store.prune(ctx.pool, ctx.clock.now() - keep)

    await run_forever("intake", "web-entrance pruning", prune,
                      every=max(60.0, ctx.clock.seconds_for(timedelta(minutes=10))))
