"""Workbench-only settings (HOTLINE_WORKBENCH_*), next to the platform's shared Settings."""

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import Settings


class WorkbenchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_WORKBENCH_", extra="ignore")

    # Where the five services answer; by default each on this host at its HOTLINE_<SERVICE>_PORT.
    intake_url: str | None = None
    routing_url: str | None = None
    sla_url: str | None = None
    publication_url: str | None = None
    assessment_url: str | None = None
    api_timeout_seconds: float = 10.0
    # Session cookies are Secure (HTTPS only) outside development unless this says otherwise,
    # e.g. for a test run over plain HTTP on loopback.
    insecure_cookies: bool = False

    def url_of(self, service: str, settings: Settings) -> str:
        configured = getattr(self, f"{service}_url")
        if configured:
            return configured.rstrip("/")
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host  # noqa: S104
        return f"http://{host}:{settings.port_for(service)}"

    def secure_cookies(self, settings: Settings) -> bool:
        return settings.env != "development" and not self.insecure_cookies
