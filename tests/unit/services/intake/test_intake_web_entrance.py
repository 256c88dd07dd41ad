"""The anonymous web entrance's pure rules: client address, limits' windows, confirmations, SMS texts."""

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.notifications import confirmation_text, international, receipt_text, reply_text
from services.intake.domain.web_entrance import (
    Confirmation,
    client_address,
    confirmation_holds,
    retry_after_seconds,
    window_start,
)

TRUSTED = frozenset({"127.0.0.1", "10.0.0.2"})
NOW = datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("peer", "header", "expected"), [
    ("203.0.113.5", None, "203.0.113.5"),                      # no proxy
    ("203.0.113.5", "1.2.3.4", "203.0.113.5"),                 # an untrusted peer cannot choose its address
    ("127.0.0.1", "198.51.100.9", "198.51.100.9"),             # the trusted proxy vouches for it
    ("10.0.0.2", "6.6.6.6, 198.51.100.9", "198.51.100.9"),     # what the client wrote first is ignored
    ("127.0.0.1", " ", "127.0.0.1"),                           # an empty entry: the peer
    (None, None, "unknown"),
])
def test_client_address_trusts_only_the_configured_proxies(peer, header, expected):
    assert client_address(peer, header, TRUSTED) == expected


def test_windows_and_retry_after():
    hour = timedelta(hours=1)
    assert window_start(NOW, hour) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(NOW, hour) == 3570
    assert retry_after_seconds(datetime(2026, 12, 7, 10, 59, 59, 999000, tzinfo=UTC), hour) == 1


def stored(**changes) -> Confirmation:
    base = dict(phone_hash="p", code_hash="c", expires_at=NOW + timedelta(minutes=5), attempts=0, used_for=None)
    return Confirmation(**{**base, **changes})


@pytest.mark.parametrize(("confirmation", "phone", "code", "message", "holds"), [
    (stored(), "p", "c", "m1", True),
    (None, "p", "c", "m1", False),                              # unknown id
    (stored(), "other", "c", "m1", False),                      # another phone's code
    (stored(), "p", "wrong", "m1", False),                      # wrong code
    (stored(expires_at=NOW), "p", "c", "m1", False),            # expired
    (stored(attempts=5), "p", "c", "m1", False),                # too many guesses, even with the right code
    (stored(used_for="m1"), "p", "c", "m1", True),              # a retry of the same submission replays
    (stored(used_for="m1"), "p", "c", "m2", False),             # single use: not for another submission
])
def test_a_confirmation_holds_once_for_its_phone_until_it_expires(confirmation, phone, code, message, holds):
    assert confirmation_holds(confirmation, phone_hash=phone, code_hash=code, now=NOW, max_attempts=5,
                              channel_message_id=message) is holds


def test_sms_texts_carry_the_number_and_the_secret_but_no_personal_data():
    private = receipt_text("accepted", "SY20261207ABCDEFGH", "7KQ2M9XA")
    assert "SY20261207ABCDEFGH" in private and "7KQ2M9XA" in private and private.startswith("【沈阳12345】")
    assert "查询码" not in receipt_text("accepted", "SY20261207ABCDEFGH")
    assert "SY20261125Q2YEPF9F" in receipt_text("merged", "SY20261207ABCDEFGH", into_tracking_number="SY20261125Q2YEPF9F")
    assert "人工" in receipt_text("pending_review", "SY20261207ABCDEFGH")
    text = reply_text("SY20261207ABCDEFGH", "长" * 300, "ABCD-EFGH-JKMN-PQRS", NOW + timedelta(days=30))
    assert "ABCD-EFGH-JKMN-PQRS" in text and "2027-01-06" in text and "长" * 121 not in text
    assert "123456" in confirmation_text("123456", 10) and "10分钟" in confirmation_text("123456", 10)


def test_phones_go_to_the_gateway_in_international_form():
    assert international("13812345678") == "+8613812345678"
    assert international("02412345678") == "+862412345678"
