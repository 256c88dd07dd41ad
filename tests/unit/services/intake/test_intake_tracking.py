"""Tracking numbers (services/intake/domain/tracking.py)."""

from datetime import date
from itertools import count

from pydantic import TypeAdapter

from services.intake.domain.tracking import new_tracking_number
from shared.contracts.identifiers import CROCKFORD as ALPHABET
from shared.contracts.identifiers import TRACKING_NUMBER as FORMAT
from shared.contracts.identifiers import TrackingNumber


def test_format_and_date_part():
    number = new_tracking_number(date(2026, 12, 1))
    assert FORMAT.match(number), number
    assert number[:10] == "SY20261201"
    assert len(number) == 18


def test_date_part_comes_from_the_given_day_not_today():
    assert new_tracking_number(date(2027, 1, 9)).startswith("SY20270109")
    assert new_tracking_number(date(2004, 2, 29)).startswith("SY20040229")


def test_deterministic_with_an_injected_randbelow():
    calls: list[int] = []
    values = iter([31, 30, 29, 28, 27, 26, 25, 24])

    def randbelow(n: int) -> int:
        calls.append(n)
        return next(values)

    assert new_tracking_number(date(2026, 2, 14), randbelow) == "SY20260214ZYXWVTSR"
    assert calls == [32] * 8
    assert new_tracking_number(date(2026, 2, 14), lambda n: 0) == "SY2026021400000000"


def test_alphabet_is_crockford_base32_without_ambiguous_letters():
    assert len(ALPHABET) == 32 and len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)
    counter = count()
    seen = "".join(new_tracking_number(date(2026, 1, 5), lambda n: next(counter) % n)[10:] for _ in range(4))
    assert seen == ALPHABET  # every symbol is reachable, in order
    assert not set("ILOU") & set(seen)


def test_thousand_numbers_are_unique_and_valid():
    day = date(2026, 11, 30)
    numbers = [new_tracking_number(day) for _ in range(1000)]
    assert len(set(numbers)) == 1000
    assert all(FORMAT.match(n) for n in numbers)
    assert not any(ch in n[10:] for n in numbers for ch in "ILOU")


def test_the_contract_refuses_ambiguous_letters():
    assert FORMAT.match("SY20261129E04GDZC3") and not FORMAT.match("SY20261129E04GDZCI")


def test_numbers_satisfy_the_event_contract():
    adapter = TypeAdapter(TrackingNumber)
    for _ in range(50):
        number = new_tracking_number(date(2026, 10, 8))
        assert adapter.validate_python(number) == number
