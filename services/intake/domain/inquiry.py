"""Inquiry codes: the second secret (besides the tracking number) that opens a private appeal.

The scheme, which publication relies on to verify a code:
- the code is 8 characters of Crockford base32 (40 bits), shown once to the petitioner;
- before hashing and before verifying, a code is NFKC-normalised, stripped of spaces and
  dashes and upper-cased (`canonical_code`), so "abcd-efgh" typed on a phone still matches;
- the stored hash is argon2id with the platform's explicit parameters (shared/hashing.py,
  HOTLINE_ARGON2_*: OWASP's minimum, 19 MiB, 2 passes, 1 lane) over `pepper + canonical_code.encode()`,
  where pepper is `Settings.pepper()` (HOTLINE_SECRET_KEY); the hash string carries its own salt and
  parameters, so any service with the same pepper verifies with
  `PasswordHasher().verify(hash, pepper + canonical_code(code).encode())`.
The pepper means a leaked table of hashes cannot be brute-forced without the service secret.
"""

import secrets
import unicodedata

from argon2.exceptions import InvalidHashError, VerificationError

from services.intake.domain.tracking import ALPHABET
from shared.hashing import hasher

CODE_LENGTH = 8


def new_inquiry_code(randbelow=secrets.randbelow) -> str:
    return "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(CODE_LENGTH))


def canonical_code(code: str) -> str:
    text = unicodedata.normalize("NFKC", code).upper()
    return "".join(ch for ch in text if ch not in " -\t")


def hash_inquiry_code(code: str, pepper: bytes) -> str:
    """Slow, salted, peppered hash of a code (argon2id); takes tens of milliseconds by design."""
    return hasher().hash(pepper + canonical_code(code).encode())


def verify_inquiry_code(stored_hash: str, code: str, pepper: bytes) -> bool:
    try:
        return hasher().verify(stored_hash, pepper + canonical_code(code).encode())
    except (VerificationError, InvalidHashError):
        return False
