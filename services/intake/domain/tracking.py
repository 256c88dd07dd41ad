"""Tracking numbers: date-based for people, random enough that private appeals cannot be listed.

The format is a contract (shared/contracts/identifiers.py); issuing one is intake's job.
"""

import secrets
from collections.abc import Callable
from datetime import date

from shared.contracts.identifiers import CROCKFORD


def new_tracking_number(day: date, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """SY + yyyymmdd + 8 random characters (40 bits: guessing one of a day's numbers is hopeless)."""
    return "SY" + day.strftime("%Y%m%d") + "".join(CROCKFORD[randbelow(32)] for _ in range(8))
