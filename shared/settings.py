"""Typed settings from HOTLINE_* environment variables, one base for every service."""

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from shared.clock import Clock

class Settings(BaseSettings):
    """Where the bus and the database are, and how this process behaves.

    The defaults point at the local stack (`hotline stack up`); production sets the
    variables. Outside development, no secret has a default.
    """

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None  # else the system's trusted CAs
    database_url: str = "postgresql://postgres@127.0.0.1:55432/hotline"
    db_pool_min: int = 1
    db_pool_max: int = 8
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
    topic_replication: int = 1  # `hotline topics`: 3 on a production cluster
    consumer_batch_size: int = 500
    # How often consumers commit the offsets of processed batches (not after every batch: the
    # inbox skips what a restarted or rebalanced consumer reads again)
    offset_commit_seconds: float = 1.0
    # How long the inbox remembers an applied event's id (shared/inbox_retention.py); 0 keeps
    # every id for ever. Pruned hourly by each consuming service.
    inbox_retention_days: int = Field(default=30, ge=0)
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
    # Salted-hash pepper for inquiry codes and similar secrets; required outside development.
    secret_key: SecretStr | None = None
    # Access tokens are JWTs: HS256 with a shared secret, or RS256/ES256 with the issuer's
    # public key. Development and tests fall back to a fixed, publicly known secret.
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: Literal["HS256", "RS256", "ES256"] = "HS256"
    jwt_issuer: str = "hotline"

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> "Settings":
        if self.env == "production":
            if self.secret_key is None:
                raise ValueError("HOTLINE_SECRET_KEY must be set when HOTLINE_ENV=production")
            if self.jwt_secret is None and self.jwt_public_key is None:
                raise ValueError("HOTLINE_JWT_SECRET or HOTLINE_JWT_PUBLIC_KEY must be set in production")
        return self

    def pepper(self) -> bytes:
        """The secret mixed into stored hashes; a fixed one only outside production."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return b"hotline-development-pepper"

    def clock(self) -> "Clock":
        import time

        from shared.clock import SYSTEM_CLOCK, Clock

        if self.clock_start is None:
            return SYSTEM_CLOCK
        if self.env == "production":
            raise ValueError("a virtual clock is for simulations, not production")
        return Clock(self.clock_start, self.clock_speed, self.clock_anchor or time.time())

    def topic(self, name: str) -> str:
        """The physical topic behind a registry name."""
        return self.topic_prefix + name

    def port_for(self, service: str) -> int:
        return getattr(self, f"{service}_port")
