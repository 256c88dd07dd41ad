"""Verified access tokens: JWTs carrying a role and, for units, the unit code.

Roles: `operator` (12345 centre staff), `supervisor` (approves extensions, supervises),
`unit` (a responsible unit; its `unit` claim scopes what it may see and do), `channel`
(a channel adapter posting appeals), `admin`. Services check the role with `require`
and the unit scope themselves, against the appeal's holder.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.settings import Settings

Role = Literal["operator", "supervisor", "unit", "channel", "admin"]
ROLES: tuple[str, ...] = ("operator", "supervisor", "unit", "channel", "admin")
DEVELOPMENT_SECRET = "hotline-development-secret-not-for-production"  # noqa: S105 - refused in production

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    unit_code: str | None = None
    # A channel adapter's token names the channels it may submit for (claim `channels`).
    channels: tuple[str, ...] = ()

    def may_submit_for(self, channel: str) -> bool:
        return self.role == "channel" and channel in self.channels

    def may_act_for(self, unit_code: str | None) -> bool:
        """Units act only for themselves; platform roles act for any unit."""
        return self.role != "unit" or (unit_code is not None and self.unit_code == unit_code)


class InvalidToken(Exception):
    pass


def _verification_key(settings: Settings) -> str:
    if settings.jwt_public_key:
        return settings.jwt_public_key
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    if settings.env == "production":  # also refused by Settings itself
        raise InvalidToken("no token key configured")
    return DEVELOPMENT_SECRET


def issue_token(settings: Settings, subject: str, role: str, unit_code: str | None = None,
                ttl: timedelta = timedelta(hours=8), channels: tuple[str, ...] | list[str] = ()) -> str:
    """Sign a token with the shared secret (HS256): the development issuer behind `hotline token`."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "unit" and not unit_code:
        raise ValueError("a unit token needs the unit code")
    if role == "channel" and not channels:
        raise ValueError("a channel token needs the channels it may submit for")
    if settings.jwt_algorithm != "HS256":
        raise ValueError("tokens for asymmetric keys are issued by the identity provider, not here")
    now = datetime.now(UTC)
    claims = {"sub": subject, "role": role, "iss": settings.jwt_issuer, "iat": now, "exp": now + ttl}
    if unit_code:
        claims["unit"] = unit_code
    if channels:
        claims["channels"] = sorted(set(channels))
    return jwt.encode(claims, _verification_key(settings), algorithm="HS256")


def verify_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, _verification_key(settings), algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer, options={"require": ["exp", "sub", "role", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role = claims["role"]
    if role not in ROLES:
        raise InvalidToken(f"unknown role {role!r}")
    unit_code = claims.get("unit")
    if role == "unit" and not unit_code:
        raise InvalidToken("a unit token must name its unit")
    channels = claims.get("channels") or []
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise InvalidToken("the channels claim must be a list of channel names")
    if role == "channel" and not channels:
        raise InvalidToken("a channel token must name its channels")
    return Principal(subject=str(claims["sub"]), role=role, unit_code=unit_code, channels=tuple(channels))


def optional_principal() -> Callable[..., "Principal | None"]:
    """FastAPI dependency: the verified token if one was sent (401 if it is not valid), else None.

    For entrances open to the public that also serve authenticated callers (intake's web
    entrance): whether a token is needed depends on what is submitted.
    """

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal | None:
        if credentials is None:
            return None
        try:
            return verify_token(request.app.state.context.settings, credentials.credentials)
        except InvalidToken:
            # Which part was wrong (signature, expiry, issuer) is not told to the caller.
            raise HTTPException(401, detail="a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"}) from None

    return dependency


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """FastAPI dependency: a verified token with one of `roles` (401 without, 403 with another)."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(401, detail="a bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        settings: Settings = request.app.state.context.settings
        try:
            principal = verify_token(settings, credentials.credentials)
        except InvalidToken as exc:
            raise HTTPException(401, detail=f"invalid token: {exc}",
                                headers={"WWW-Authenticate": "Bearer"}) from exc
        if principal.role not in roles:
            raise HTTPException(403, detail=f"role {principal.role} may not do this; needs {' or '.join(roles)}")
        return principal

    return dependency
