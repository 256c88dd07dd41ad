"""SLA-only settings (HOTLINE_SLA_*), next to the platform's shared Settings."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class SlaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_SLA_", extra="ignore")

    poll_seconds: float = 1.0  # how often the due-time poller looks when nothing is due
    poll_batch: int = 500  # deadlines claimed per poller transaction
    sweep_seconds: float = 30.0  # how often parked events are checked for expiry
