"""Sealing a petitioner's contact for the log: AES-256-GCM under the appeal's own data key.

Why a key per appeal: deleting one key makes every copy of that appeal's contact on the
Kafka log unreadable (crypto-shredding), while the log itself, the replay source, is kept
for ever. The appeal id is the associated data, so a sealed contact copied into another
appeal's event fails authentication instead of showing the wrong petitioner. A fresh
random 96-bit nonce per sealing: a key seals few contacts (an acceptance, a re-acceptance),
far below GCM's limits.
"""

import base64
import json
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.contracts.events import Contact, SealedContact

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12


class Unopenable(Exception):
    """The sealed contact does not open with this key and appeal (wrong key, moved, or altered)."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, appeal_id: UUID, contact: Contact) -> SealedContact:
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(contact.model_dump(mode="json", exclude_none=True), ensure_ascii=False,
                       separators=(",", ":")).encode()
    sealed = AESGCM(key).encrypt(nonce, plain, _associated(appeal_id))
    return SealedContact(nonce=_b64(nonce), ciphertext=_b64(sealed))


def open_sealed(key: bytes, appeal_id: UUID, sealed: SealedContact) -> Contact:
    try:
        plain = AESGCM(key).decrypt(_unb64(sealed.nonce), _unb64(sealed.ciphertext), _associated(appeal_id))
    except (InvalidTag, ValueError) as wrong:
        raise Unopenable(str(appeal_id)) from wrong
    return Contact.model_validate_json(plain)


def _associated(appeal_id: UUID) -> bytes:
    # Versioned, so a later scheme cannot be confused with this one.
    return b"hotline.contact.v1:" + str(appeal_id).encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
