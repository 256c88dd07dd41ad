"""Verified access tokens: JWTs carrying a role and, for units, the unit code.

Roles: `operator` (12345 centre staff), `supervisor` (approves extensions, supervises),
`unit` (a responsible unit; its `unit` claim scopes what it may see and do), `channel`
(a channel adapter posting appeals), `admin`. Services check the role with `require`
and the unit scope themselves, against the appeal's holder.

Keys. In production tokens are signed by the identity provider with a private key
(RS256, ES256 or EdDSA) and verified here with its public key set (JWKS): during a key
rotation the set holds the old and the new key, each named by its `kid`, and a token is
checked against the key its header names. A shared HS256 secret, with which anything that
verifies could also sign an admin token, is accepted in development only.

Audience. Each service takes only tokens whose `aud` names it (`hotline-<service>` unless
HOTLINE_JWT_AUDIENCE says otherwise): a token issued for one service is refused at another.
"""

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.contracts.topics import SERVICES
from shared.settings import Settings

Role = Literal["operator", "supervisor", "unit", "channel", "admin"]
ROLES: tuple[str, ...] = ("operator", "supervisor", "unit", "channel", "admin")
DEVELOPMENT_SECRET = "hotline-development-secret-not-for-production"  # noqa: S105 - refused in production
ASYMMETRIC = ("RS256", "ES256", "EdDSA")

log = logging.getLogger(__name__)
_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    unit_code: str | None = None
    # A channel adapter's token names the channels it may submit for (claim `channels`).
    channels: tuple[str, ...] = ()

    def may_submit_for(self, channel: str) -> bool:
        if self.role == "channel":
            return channel in self.channels
        # The 12345 centre's call-takers answer the phone lines themselves: what an operator
        # files from a call (the workbench's console) comes in on those two channels.
        return self.role == "operator" and channel in CENTRE_CHANNELS

    def may_act_for(self, unit_code: str | None) -> bool:
        """Units act only for themselves; platform roles act for any unit."""
        return self.role != "unit" or (unit_code is not None and self.unit_code == unit_code)


CENTRE_CHANNELS = frozenset({"phone", "phone_business_line"})


class InvalidToken(Exception):
    pass


def all_audiences(settings: Settings) -> list[str]:
    return [settings.audience_for(service) for service in SERVICES]


# --- verification keys ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Key:
    key: Any  # what PyJWT verifies with: a cryptography public key, or the HS256 secret
    algorithms: tuple[str, ...]


@lru_cache(maxsize=16)
def _key_set(jwks_text: str) -> dict[str | None, _Key]:
    """The keys of a JWKS by `kid`; a set of one key is also found without a kid."""
    try:
        document = json.loads(jwks_text)
        keys = document["keys"] if isinstance(document, dict) and "keys" in document else [document]
        found: dict[str | None, _Key] = {}
        for entry in keys:
            if entry.get("use", "sig") != "sig" or entry.get("kty") == "oct":
                continue  # encryption keys and symmetric secrets never verify a token here
            parsed = jwt.PyJWK(entry)
            algorithm = parsed.algorithm_name
            if algorithm not in ASYMMETRIC:
                continue
            found[entry.get("kid")] = _Key(parsed.key, (algorithm,))
    except (ValueError, KeyError, TypeError, jwt.PyJWTError) as exc:
        raise InvalidToken(f"the configured JWKS cannot be read: {exc}") from exc
    if len(found) == 1:
        found.setdefault(None, next(iter(found.values())))
    return found


def _jwks_text(settings: Settings) -> str | None:
    if settings.jwt_jwks:
        return settings.jwt_jwks
    if settings.jwt_jwks_file:
        # Read each time (the OS caches it): a rotated Secret mounted as a file takes effect
        # without a restart.
        return Path(settings.jwt_jwks_file).read_text(encoding="utf-8")
    return None


def _verification_key(settings: Settings, kid: str | None) -> _Key:
    if (jwks := _jwks_text(settings)) is not None:
        keys = _key_set(jwks)
        if kid in keys:
            return keys[kid]
        raise InvalidToken(f"no key with kid {kid!r} in the key set")
    if settings.jwt_public_key:
        if settings.jwt_algorithm not in ASYMMETRIC:
            raise InvalidToken("HOTLINE_JWT_PUBLIC_KEY needs HOTLINE_JWT_ALGORITHM RS256, ES256 or EdDSA")
        return _Key(settings.jwt_public_key, (settings.jwt_algorithm,))
    if settings.env == "production":  # also refused by Settings itself
        raise InvalidToken("no token key configured")
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else DEVELOPMENT_SECRET
    return _Key(secret, ("HS256",))


# --- issuing (development, and operators' tooling with a private key) -------------------------------

def issue_token(settings: Settings, subject: str, role: str, unit_code: str | None = None,
                ttl: timedelta = timedelta(hours=8), *, audience: str | Sequence[str] | None = None,
                private_key: str | None = None, kid: str | None = None,
                channels: Sequence[str] = ()) -> str:
    """A signed token for `audience` (a service's audience, or several; default all five).

    With `private_key` (PEM) it is signed with HOTLINE_JWT_ALGORITHM as an identity provider
    would; without, with the development HS256 secret, which only development accepts.
    A channel token names the channels it may submit for (`channels` claim)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "unit" and not unit_code:
        raise ValueError("a unit token needs the unit code")
    if role == "channel" and not channels:
        raise ValueError("a channel token needs the channels it may submit for")
    now = datetime.now(UTC)
    claims = {"sub": subject, "role": role, "iss": settings.jwt_issuer, "iat": now, "exp": now + ttl,
              "aud": audience if audience is not None else all_audiences(settings)}
    if unit_code:
        claims["unit"] = unit_code
    if channels:
        claims["channels"] = sorted(set(channels))
    if private_key is not None:
        if settings.jwt_algorithm not in ASYMMETRIC:
            raise ValueError("a private key signs with RS256, ES256 or EdDSA: set HOTLINE_JWT_ALGORITHM")
        return jwt.encode(claims, private_key, algorithm=settings.jwt_algorithm,
                          headers={"kid": kid} if kid else None)
    if settings.env == "production":
        raise ValueError("production tokens come from the identity provider (or give --private-key); "
                         "the HS256 development secret is refused there")
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else DEVELOPMENT_SECRET
    return jwt.encode(claims, secret, algorithm="HS256")


# --- verifying --------------------------------------------------------------------------------------

def verify_token(settings: Settings, token: str, audience: str | None = None) -> Principal:
    """The token's principal, if it is signed by a configured key, unexpired, from the issuer
    and (when `audience` is given, as every service does) meant for that audience."""
    try:
        header = jwt.get_unverified_header(token)
        key = _verification_key(settings, header.get("kid"))
        claims = jwt.decode(
            token, key.key, algorithms=list(key.algorithms), issuer=settings.jwt_issuer,
            audience=audience, options={"require": ["exp", "sub", "role", "iss"],
                                        "verify_aud": audience is not None},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    except OSError as exc:  # the JWKS file is missing or unreadable
        raise InvalidToken(f"the key set cannot be read: {exc}") from exc
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


def optional_principal() -> Callable[..., Awaitable["Principal | None"]]:
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
        settings: Settings = request.app.state.context.settings
        service = _service_of(request)
        try:
            return verify_token(settings, credentials.credentials, settings.audience_for(service))
        except InvalidToken as exc:
            # Which part was wrong (signature, expiry, issuer, audience) is not told to the caller.
            log.info("%s: token refused: %s", service, exc)
            raise HTTPException(401, detail="invalid or expired token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None

    return dependency


def _service_of(request: Request) -> str:
    runtime = getattr(request.app.state, "runtime", None)
    return runtime.spec.name if runtime is not None else "unknown"


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """FastAPI dependency: a verified token for this service with one of `roles` (401 without,
    403 with another). A 401 says only that the token was refused: why (expired, wrong key,
    wrong audience) goes to the service's log, not to whoever holds the token."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(401, detail="a bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        settings: Settings = request.app.state.context.settings
        service = _service_of(request)
        try:
            principal = verify_token(settings, credentials.credentials, settings.audience_for(service))
        except InvalidToken as exc:
            log.info("%s: token refused: %s", service, exc)
            raise HTTPException(401, detail="invalid or expired token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
        if principal.role not in roles:
            raise HTTPException(403, detail=f"role {principal.role} may not do this; needs {' or '.join(roles)}")
        return principal

    return dependency
