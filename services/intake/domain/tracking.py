"""Tracking numbers: date-based for people, random enough that private appeals cannot be listed."""

import secrets
from datetime import date

# Crockford's base32: no I, L, O or U, so a number read over the phone is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_tracking_number(day: date, randbelow=secrets.randbelow) -> str:
    """SY + yyyymmdd + 8 random characters (40 bits: guessing one of a day's numbers is hopeless)."""
    return "SY" + day.strftime("%Y%m%d") + "".join(ALPHABET[randbelow(32)] for _ in range(8))
