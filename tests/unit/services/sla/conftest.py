"""Fixtures every sla unit test may ask for."""

import pytest

from services.sla.domain.calendar import WorkCalendar


@pytest.fixture
def cal() -> WorkCalendar:
    """The official calendar as packaged (no uploads)."""
    return WorkCalendar()
