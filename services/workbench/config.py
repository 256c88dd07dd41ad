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
    # The workbench acts as the logged-in person with a short-lived token it signs itself. In
    # production the services take only asymmetric tokens: this is the workbench's private key
    # (PEM, HOTLINE_JWT_ALGORITHM), whose public half is in the services' key set under
    # `signing_kid`. Without it, development's HS256 secret signs, which production refuses.
    signing_key_file: str | None = None
    signing_kid: str | None = None

    def signing_key(self) -> str | None:
        if self.signing_key_file is None:
            return None
        with open(self.signing_key_file, encoding="utf-8") as pem:
            return pem.read()

    def url_of(self, service: str, settings: Settings) -> str:
        configured = getattr(self, f"{service}_url")
        if configured:
            return configured.rstrip("/")
        host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host  # noqa: S104
        return f"http://{host}:{settings.port_for(service)}"

    def secure_cookies(self, settings: Settings) -> bool:
        return settings.env != "development" and not self.insecure_cookies
