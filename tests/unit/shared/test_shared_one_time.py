"""One-time secrets: evaluation tokens and confirmation codes, stored as keyed hashes."""

import re

from shared.contracts.identifiers import canonical
from shared.one_time import keyed_hash, new_evaluation_token, new_numeric_code, same_hash


def test_evaluation_tokens_are_80_bits_of_crockford_in_groups():
    tokens = {new_evaluation_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", t) for t in tokens)


def test_a_token_typed_differently_hashes_the_same():
    pepper = b"pepper"
    stored = keyed_hash(pepper, "evaluation", "ABCD-EFGH-JKMN-PQRS")
    assert same_hash(stored, keyed_hash(pepper, "evaluation", "abcd efgh jkmn pqrs"))
    assert same_hash(stored, keyed_hash(pepper, "evaluation", "ＡＢＣＤＥＦＧＨＪＫＭＮＰＱＲＳ"))  # full width
    assert not same_hash(stored, keyed_hash(b"other pepper", "evaluation", "ABCD-EFGH-JKMN-PQRS"))
    assert not same_hash(stored, keyed_hash(pepper, "phone-confirmation", "ABCD-EFGH-JKMN-PQRS"))
    assert "ABCD" not in stored and len(stored) == 64
    assert canonical(" ab-cd ") == "ABCD"


def test_confirmation_codes_are_six_digits():
    codes = [new_numeric_code() for _ in range(100)]
    assert all(re.fullmatch(r"\d{6}", c) for c in codes) and len(set(codes)) > 90
