"""One-time secrets that are random enough to be stored as a keyed hash (not a slow one).

Evaluation tokens (intake issues, publication verifies) and phone confirmation codes (intake
issues and verifies) are random and short-lived, and every guess is counted, so the stored
form is HMAC-SHA256(pepper, purpose + ":" + canonical secret): a leaked table cannot be used
without the service secret (HOTLINE_SECRET_KEY), and the verifier needs no slow hash. The
inquiry code, which lives as long as its appeal, keeps argon2 (shared/contracts/inquiry_code.py).
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from shared.contracts.identifiers import CROCKFORD, canonical

EVALUATION_TOKEN_LENGTH = 16  # 80 bits
# As long as a reply may be rated (publication's EVALUATION_WINDOW).
EVALUATION_TOKEN_TTL = timedelta(days=30)
EVALUATION_PURPOSE = "evaluation"


def keyed_hash(pepper: bytes, purpose: str, secret: str) -> str:
    """Hex HMAC-SHA256 of the canonical secret under the pepper, separated by purpose."""
    return hmac.new(pepper, f"{purpose}:{canonical(secret)}".encode(), hashlib.sha256).hexdigest()


def same_hash(stored: str, offered: str) -> bool:
    return hmac.compare_digest(stored.encode(), offered.encode())


def new_evaluation_token(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """16 Crockford characters shown in groups of four: XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(CROCKFORD[randbelow(len(CROCKFORD))] for _ in range(EVALUATION_TOKEN_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, EVALUATION_TOKEN_LENGTH, 4))


def new_numeric_code(digits: int = 6, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A code typed from an SMS (phone confirmation): digits only."""
    return "".join(str(randbelow(10)) for _ in range(digits))
