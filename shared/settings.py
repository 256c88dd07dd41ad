"""Typed settings from HOTLINE_* environment variables, one base for every service."""

from datetime import datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from shared.clock import Clock

# Passwords published in this repository (deploy/compose.yaml); never accepted in production.
DEVELOPMENT_PASSWORDS = frozenset({"hotline-dev", "postgres", "hotline"})


class Settings(BaseSettings):
    """Where the bus and the database are, and how this process behaves.

    The addresses default to the local stack (`hotline stack up`); the mode does not: a
    process is in production unless HOTLINE_ENV says development (or test), and production
    refuses to start without real secrets. `make`, `hotline up | demo | bench` and the test
    suite say development (or test) themselves.
    """

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    env: Literal["development", "test", "production"] = "production"
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None  # else the system's trusted CAs
    database_url: str = "postgresql://postgres@127.0.0.1:55432/hotline"
    db_pool_min: int = 1
    db_pool_max: int = 8
    # asyncpg's prepared-statement cache per connection; 0 behind PgBouncer in transaction mode
    db_statement_cache_size: int = Field(default=100, ge=0)
    http_host: str = "127.0.0.1"
    # Each service listens on its own port (health, metrics and its API).
    intake_port: int = 8001
    routing_port: int = 8002
    sla_port: int = 8003
    publication_port: int = 8004
    assessment_port: int = 8005
    workbench_port: int = 8000  # the staff workbench (services/workbench): one address for staff
    # Prepended to every topic and consumer group: several environments (or test runs) can
    # share one Kafka cluster without reading each other's events.
    topic_prefix: str = ""
    # `hotline topics`: 3 on a production cluster (min in-sync replicas is then 2); 1 is
    # refused outside development.
    topic_replication: int = Field(default=1, ge=1)
    consumer_batch_size: int = 500
    # How often consumers commit the offsets of processed batches (not after every batch: the
    # inbox skips what a restarted or rebalanced consumer reads again)
    offset_commit_seconds: float = 1.0
    # How long the inbox remembers an applied event's id (shared/inbox_retention.py); 0 keeps
    # every id for ever. Pruned hourly by each consuming service.
    inbox_retention_days: int = Field(default=30, ge=0)
    # How long intake keeps a petitioner's contact (and the key that opens its sealed copies on
    # the log) after the appeal is finished: closed, answered, rejected (docs/personal-data.md).
    # 180 days covers the month's assessment and its corrections, a dissatisfied petitioner's
    # reopening and the complaints about a reply that follow it.
    contact_retention_days: int = Field(default=180, ge=1)
    # The longest wait between two checks of that rule (a virtual clock that runs fast checks once
    # a virtual hour, but at most once a minute).
    contact_retention_check_seconds: float = Field(default=3600.0, gt=0)
    inbox_prune_seconds: float = Field(default=3600.0, gt=0)
    relay_batch_size: int = 500
    # Intake's classifier: how often a replica looks for a newer model or taxonomy in the database,
    # and how often it retrains when operators' review decisions arrived since (0: never in the
    # background; `hotline classifier train` still does).
    classifier_poll_seconds: float = Field(default=30.0, gt=0)
    classifier_retrain_seconds: float = Field(default=3600.0, ge=0)
    # How long an answer offered at intake (knowledge base) waits for the caller's or petitioner's
    # word before the appeal is dispatched as any other.
    answer_wait_seconds: float = Field(default=900.0, gt=0)
    relay_poll_seconds: float = 0.5
    log_level: str = "INFO"
    # A virtual clock for simulations (see shared/clock.py); unset in production.
    clock_start: datetime | None = None
    clock_speed: float = 1.0
    clock_anchor: float | None = None  # wall time (epoch seconds) of clock_start; default: now
    # A stepped clock instead: virtual time is the instant in this file, moved by the simulation
    # once every service has caught up (shared/clock.py). Overrides clock_start.
    clock_file: str | None = None
    # Salted-hash pepper for inquiry codes and similar secrets; required outside development.
    secret_key: SecretStr | None = None
    # Access tokens are JWTs signed by the identity provider with a private key (RS256, ES256
    # or EdDSA) and verified here with its public keys: a JWKS (JSON text or a file), which
    # holds the old and the new key during a rotation, each named by its `kid`. A shared
    # HS256 secret (anything holding it could sign an admin token) is for development only,
    # which falls back to a fixed, publicly known one.
    jwt_jwks: str | None = None
    jwt_jwks_file: str | None = None
    jwt_public_key: str | None = None  # one PEM key, the same as a JWKS of one key
    jwt_secret: SecretStr | None = None  # development only
    jwt_algorithm: Literal["HS256", "RS256", "ES256", "EdDSA"] = "HS256"
    jwt_issuer: str = "hotline"
    # The `aud` a token must carry to be taken by this service; default `hotline-<service>`,
    # so a token issued for one service is refused at the others.
    jwt_audience: str | None = None
    # Prometheus /metrics is served on its own port, not the public one: default the
    # service's port + 1000 (9001-9005); 0 serves no metrics.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    # argon2id of inquiry codes: explicit parameters, sized to the pod's memory limit
    # (memory_kib x hash_workers must fit beside the service), run in a bounded pool. OWASP's
    # minimum (19 MiB, 2 passes, 1 lane): every private appeal's code is hashed in intake's
    # consumer, and these cost about a fifth of argon2-cffi's defaults on the same machine.
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19456, ge=8192)  # 19 MiB, OWASP's argon2id minimum
    argon2_parallelism: int = Field(default=1, ge=1)
    hash_workers: int = Field(default=2, ge=1)
    # The anonymous web entrance of intake (POST /v1/appeals with channel "web", phone
    # confirmations): fixed-window limits per client address and per petitioner phone.
    web_limit_window_seconds: int = Field(default=3600, gt=0)
    web_limit_per_client: int = Field(default=30, gt=0)
    web_limit_per_phone: int = Field(default=5, gt=0)
    # Behind a reverse proxy (or publication's web form, which calls intake server-side) the
    # peer is the proxy: the client address is then read from this header (its last entry, the
    # one the proxy added), but only when the peer is one of `trusted_proxies` (comma list of
    # addresses). Any other peer is the client itself, whatever it sends.
    trusted_proxy_header: str | None = "X-Forwarded-For"
    trusted_proxies: str = "127.0.0.1,::1"
    # Phone confirmation codes of the web entrance: how long one is valid, how many guesses.
    confirmation_ttl_seconds: int = Field(default=600, gt=0)
    confirmation_max_attempts: int = Field(default=5, gt=0)
    # Publication's web form posts to intake's web entrance server-side, at this address.
    intake_url: str | None = None

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> "Settings":
        if self.env != "production":
            return self
        fix = ("; set it, or HOTLINE_ENV=development for a local run (never with real data)")
        if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("HOTLINE_SECRET_KEY (at least 32 random characters) must be set when "
                             "HOTLINE_ENV=production" + fix)
        if self.jwt_secret is not None or self.jwt_algorithm == "HS256":
            raise ValueError("a shared HS256 token secret (HOTLINE_JWT_SECRET / HOTLINE_JWT_ALGORITHM=HS256) "
                             "is for development only; in production set HOTLINE_JWT_ALGORITHM to RS256, "
                             "ES256 or EdDSA and give the issuer's public keys in HOTLINE_JWT_JWKS_FILE, "
                             "HOTLINE_JWT_JWKS or HOTLINE_JWT_PUBLIC_KEY")
        if not (self.jwt_jwks or self.jwt_jwks_file or self.jwt_public_key):
            raise ValueError("HOTLINE_JWT_JWKS_FILE, HOTLINE_JWT_JWKS or HOTLINE_JWT_PUBLIC_KEY must be set in "
                             "production: the public keys that verify access tokens" + fix)
        password = urlsplit(self.database_url).password
        if password in DEVELOPMENT_PASSWORDS:
            raise ValueError(f"HOTLINE_DATABASE_URL carries the published development password {password!r}; "
                             "give the database its own secret password in production")
        return self

    def pepper(self) -> bytes:
        """The secret mixed into stored hashes; a fixed one only outside production."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return b"hotline-development-pepper"

    def clock(self) -> "Clock":
        import time

        from shared.clock import SYSTEM_CLOCK, Clock

        if self.clock_start is None and self.clock_file is None:
            return SYSTEM_CLOCK
        if self.env == "production":
            raise ValueError("a virtual clock is for simulations, not production")
        if self.clock_file is not None:
            return Clock(speed=self.clock_speed, file=self.clock_file)
        return Clock(self.clock_start, self.clock_speed, self.clock_anchor or time.time())

    def topic(self, name: str) -> str:
        """The physical topic behind a registry name."""
        return self.topic_prefix + name

    def port_for(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port

    def metrics_port_for(self, service: str) -> int:
        """Where /metrics is served (0: nowhere)."""
        return self.port_for(service) + 1000 if self.metrics_port is None else self.metrics_port

    def audience_for(self, service: str) -> str:
        return self.jwt_audience or f"hotline-{service}"

    @property
    def development(self) -> bool:
        return self.env != "production"
