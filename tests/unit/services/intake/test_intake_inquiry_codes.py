"""Inquiry codes: random, shown once, stored as argon2 over pepper + code (the contract's scheme,
shared/contracts/inquiry_code.py; intake issues them in domain/inquiry.py)."""

from argon2 import PasswordHasher

from services.intake.domain.inquiry import hash_inquiry_code, new_inquiry_code, verify_inquiry_code
from shared.contracts.identifiers import CROCKFORD as ALPHABET
from shared.contracts.identifiers import INQUIRY_CODE_BOUND
from shared.contracts.identifiers import INQUIRY_CODE_LENGTH as CODE_LENGTH
from shared.contracts.identifiers import canonical as canonical_code

PEPPER = b"unit-test-pepper"


def test_codes_are_random_crockford_base32():
    codes = {new_inquiry_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert new_inquiry_code(lambda n: n - 1) == "Z" * CODE_LENGTH
    assert all(INQUIRY_CODE_BOUND.match(c) for c in codes)  # publication hashes what intake issues


def test_codes_are_canonicalised_the_same_way_everywhere():
    assert canonical_code(" abcd-efgh ") == "ABCDEFGH" and canonical_code("ＡＢＣＤ１２３４") == "ABCD1234"
    assert INQUIRY_CODE_BOUND.match("ABCDEFGH") and not INQUIRY_CODE_BOUND.match("<b>")


def test_hash_is_argon2id_salted_and_never_contains_the_code():
    first, second = hash_inquiry_code("7KQ2M9XA", PEPPER), hash_inquiry_code("7KQ2M9XA", PEPPER)
    assert first.startswith("$argon2id$") and first != second  # a fresh salt each time
    assert "7KQ2M9XA" not in first


def test_a_code_verifies_only_with_the_same_pepper():
    stored = hash_inquiry_code("7KQ2M9XA", PEPPER)
    assert verify_inquiry_code(stored, "7KQ2M9XA", PEPPER)
    assert verify_inquiry_code(stored, "7kq2-m9xa", PEPPER)          # typed on a phone
    assert verify_inquiry_code(stored, "７ＫＱ２Ｍ９ＸＡ", PEPPER)    # full-width
    assert not verify_inquiry_code(stored, "7KQ2M9XB", PEPPER)
    assert not verify_inquiry_code(stored, "7KQ2M9XA", b"another-pepper")
    assert not verify_inquiry_code("not a hash", "7KQ2M9XA", PEPPER)


def test_publication_can_verify_with_plain_argon2_cffi():
    # The documented scheme, without intake's code: PasswordHasher().verify(hash, pepper + code).
    stored = hash_inquiry_code("ab12-cd34", PEPPER)
    assert PasswordHasher().verify(stored, PEPPER + canonical_code("AB12CD34").encode())
