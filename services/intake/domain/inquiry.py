"""Inquiry codes: the second secret (besides the tracking number) that opens a private appeal.

The scheme (format, canonical form, hash) is a contract publication relies on to verify a code:
shared/contracts/identifiers.py and shared/contracts/inquiry_code.py. Issuing one is intake's job.
"""

import secrets
from collections.abc import Callable

from shared.contracts.identifiers import CROCKFORD, INQUIRY_CODE_LENGTH
from shared.contracts.inquiry_code import hash_inquiry_code, verify_inquiry_code

__all__ = ["hash_inquiry_code", "new_inquiry_code", "verify_inquiry_code"]


def new_inquiry_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    return "".join(CROCKFORD[randbelow(len(CROCKFORD))] for _ in range(INQUIRY_CODE_LENGTH))
