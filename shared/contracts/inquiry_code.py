"""How an inquiry code is hashed (intake, once) and checked (intake, publication).

The stored hash is argon2id with the platform's explicit parameters (shared/hashing.py,
HOTLINE_ARGON2_*: OWASP's minimum, 19 MiB, 2 passes, 1 lane) over `pepper + canonical(code)`,
where pepper is `Settings.pepper()` (HOTLINE_SECRET_KEY). The hash string carries its own salt
and parameters, so any service with the same pepper verifies it. The pepper means a leaked table
of hashes cannot be brute-forced without the service secret. Both take tens of milliseconds by
design: call them through `shared.hashing.in_hash_pool`.
"""

from argon2.exceptions import InvalidHashError, VerificationError

from shared.contracts.identifiers import canonical
from shared.hashing import hasher


def _material(code: str, pepper: bytes) -> bytes:
    return pepper + canonical(code).encode()


def hash_inquiry_code(code: str, pepper: bytes) -> str:
    """Slow, salted, peppered hash of a code (argon2id)."""
    return hasher().hash(_material(code, pepper))


def verify_inquiry_code(stored_hash: str, code: str, pepper: bytes) -> bool:
    """Whether the code is the one hashed; False for a malformed hash too."""
    try:
        return hasher().verify(stored_hash, _material(code, pepper))
    except (VerificationError, InvalidHashError):
        return False
