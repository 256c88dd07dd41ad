"""Settings read from the environment: bad values are refused with the variable's field named."""

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_inbox_retention_defaults_to_thirty_days_and_zero_keeps_every_id(monkeypatch):
    assert Settings().inbox_retention_days == 30
    monkeypatch.setenv("HOTLINE_INBOX_RETENTION_DAYS", "0")
    assert Settings().inbox_retention_days == 0


@pytest.mark.parametrize("variable, value", [("HOTLINE_INBOX_RETENTION_DAYS", "-1"),
                                             ("HOTLINE_INBOX_PRUNE_SECONDS", "0")])
def test_a_negative_retention_or_a_zero_prune_period_is_refused(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert variable.removeprefix("HOTLINE_").lower() in str(refused.value)
