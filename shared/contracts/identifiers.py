"""The identifiers an appeal is known by outside intake: the tracking number and the inquiry code.

Intake issues both; publication, the workbench and the hotline's channels read them back, so
their format is part of the contract.
- A tracking number is SY + yyyymmdd (the acceptance day in Shenyang) + 8 Crockford base32 characters.
- An inquiry code is 8 Crockford base32 characters (40 bits), shown once to the petitioner.
  Before hashing and before verifying it is put in canonical form (`canonical`: NFKC, upper case,
  no spaces, tabs or dashes), so "abcd-efgh" typed on a phone still matches. How it is hashed and
  checked is `shared/contracts/inquiry_code.py`.
"""

import re
import unicodedata
from typing import Annotated

from pydantic import StringConstraints

# Crockford's base32: no I, L, O or U, so what is read over the phone or typed from an SMS is not misheard.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

TRACKING_NUMBER_PATTERN = r"^SY\d{8}[0-9A-HJKMNP-TV-Z]{8}$"
TRACKING_NUMBER = re.compile(TRACKING_NUMBER_PATTERN)
TrackingNumber = Annotated[str, StringConstraints(pattern=TRACKING_NUMBER_PATTERN)]

INQUIRY_CODE_LENGTH = 8
# What a verifier bothers hashing: looser than what intake issues, so a mistyped code is answered
# like a wrong one (not found), and only input that cannot be a code is refused as malformed.
INQUIRY_CODE_BOUND = re.compile(r"^[0-9A-Z]{4,32}$")


def canonical(secret: str) -> str:
    """NFKC, upper case, without spaces, tabs and dashes: "abcd-efgh" typed on a phone still matches."""
    text = unicodedata.normalize("NFKC", secret).upper()
    return "".join(ch for ch in text if ch not in " -\t")
