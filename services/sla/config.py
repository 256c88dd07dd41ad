"""SLA-only settings (HOTLINE_SLA_*), next to the platform's shared Settings."""

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class SlaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_SLA_", extra="ignore", frozen=True)

    poll_seconds: float = 1.0  # how often the due-time poller looks when nothing is due
    poll_batch: int = 500  # deadlines claimed per poller transaction
    sweep_seconds: float = 30.0  # how often parked events are checked for expiry
    rules_file: Path | None = None  # HOTLINE_SLA_RULES_FILE; None: the packaged data/rules.json


@cache
def sla_settings() -> SlaSettings:
    """The process's one SlaSettings, read from the environment the first time it is asked for."""
    return SlaSettings()
