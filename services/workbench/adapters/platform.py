"""The five services' HTTP APIs, called as the logged-in person.

Every call carries a short-lived token minted for that person's API role and unit
(shared/auth.py), so the services check roles and unit scope again: the workbench adds
pages, not rights. It imports no service; it only speaks their HTTP.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from services.workbench.config import WorkbenchSettings
from services.workbench.domain.accounts import Staff
from shared.auth import issue_token
from shared.settings import Settings

TOKEN_TTL = timedelta(minutes=5)  # one page's calls; never stored, never sent to the browser


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def field_errors(self) -> dict[str, str]:
        """A 422's `errors: [{field, reason}]` by field (the last part of its dotted path)."""
        if self.status != 422 or not isinstance(self.body, dict):
            return {}
        return {str(e.get("field", "")).split(".")[-1]: str(e.get("reason", "")) for e in self.body.get("errors", [])}

    @property
    def detail(self) -> str:
        return str(self.body.get("detail", "")) if isinstance(self.body, dict) else str(self.body)[:300]


class PlatformUnavailable(Exception):
    """A service did not answer: the page says so instead of showing half a state."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class Platform:
    def __init__(self, settings: Settings, config: WorkbenchSettings | None = None) -> None:
        self.settings = settings
        self.config = config or WorkbenchSettings()
        self._http: httpx.AsyncClient | None = None
        self._signing_key: str | None = None  # read once, on the first token

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.config.api_timeout_seconds,
                                           limits=httpx.Limits(max_keepalive_connections=20))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    def token_for(self, staff: Staff) -> str:
        if self._signing_key is None:
            self._signing_key = self.config.signing_key() or ""
        return issue_token(self.settings, f"workbench:{staff.username}", staff.api_role, staff.unit_code, TOKEN_TTL,
                           private_key=self._signing_key or None, kid=self.config.signing_kid)

    async def call(self, staff: Staff, service: str, method: str, path: str, *, json: Any = None,
                   params: Any = None) -> Answer:
        url = self.config.url_of(service, self.settings) + path
        headers = {"Authorization": f"Bearer {self.token_for(staff)}"}
        try:
            response = await self._client().request(method, url, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(service) from exc
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 500:
            raise PlatformUnavailable(service)
        return Answer(response.status_code, body)

    async def get(self, staff: Staff, service: str, path: str, **params: Any) -> Answer:
        return await self.call(staff, service, "GET", path,
                               params={k: v for k, v in params.items() if v is not None} or None)

    async def post(self, staff: Staff, service: str, path: str, body: Any) -> Answer:
        return await self.call(staff, service, "POST", path, json=body)
