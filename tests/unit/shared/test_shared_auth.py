"""Access tokens: verified signature, issuer and expiry; roles; unit scope; no default secret in production."""

from datetime import timedelta

import jwt
import pytest

from shared.auth import DEVELOPMENT_SECRET, InvalidToken, Principal, issue_token, verify_token
from shared.settings import Settings

DEV = Settings(env="development")


def test_a_unit_token_round_trips_with_its_unit():
    principal = verify_token(DEV, issue_token(DEV, "clerk-7", "unit", "SAMR"))
    assert principal == Principal("clerk-7", "unit", "SAMR")


@pytest.mark.parametrize(
    "claims, why",
    [
        ({"sub": "x", "role": "operator", "iss": "hotline", "exp": 1}, "expired"),
        ({"sub": "x", "role": "operator", "iss": "elsewhere", "exp": 4102444800}, "issuer"),
        ({"sub": "x", "role": "god", "iss": "hotline", "exp": 4102444800}, "unknown role"),
        ({"sub": "x", "role": "unit", "iss": "hotline", "exp": 4102444800}, "must name its unit"),
        ({"role": "operator", "iss": "hotline", "exp": 4102444800}, "sub"),
    ],
)
def test_bad_claims_are_refused(claims, why):
    token = jwt.encode(claims, DEVELOPMENT_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match=why):
        verify_token(DEV, token)


def test_a_token_signed_with_another_key_is_refused():
    token = jwt.encode({"sub": "x", "role": "admin", "iss": "hotline", "exp": 4102444800}, "a-guessed-key-of-decent-length-0123456789", algorithm="HS256")
    with pytest.raises(InvalidToken, match="Signature"):
        verify_token(DEV, token)


def test_the_none_algorithm_is_refused():
    token = jwt.encode({"sub": "x", "role": "admin", "iss": "hotline", "exp": 4102444800}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        verify_token(DEV, token)


def test_production_needs_its_own_secrets():
    with pytest.raises(ValueError, match="HOTLINE_SECRET_KEY"):
        Settings(env="production")
    with pytest.raises(ValueError, match="HOTLINE_JWT_SECRET"):
        Settings(env="production", secret_key="s3cret")
    prod = Settings(env="production", secret_key="s3cret", jwt_secret="a-long-production-secret-value-0123")
    token = issue_token(prod, "op", "operator", ttl=timedelta(minutes=5))
    assert verify_token(prod, token).role == "operator"
    with pytest.raises(InvalidToken):  # a development token is worthless in production
        verify_token(prod, issue_token(DEV, "op", "admin"))


@pytest.mark.parametrize("role, unit, allowed", [("unit", "SAMR", True), ("unit", "TAX", False),
                                                 ("operator", None, True), ("supervisor", None, True)])
def test_units_act_only_for_themselves(role, unit, allowed):
    assert Principal("p", role, unit).may_act_for("SAMR") is allowed


def test_a_channel_token_names_the_channels_it_may_submit_for():
    from shared.auth import issue_token, verify_token
    from shared.settings import Settings

    settings = Settings(_env_file=None)
    principal = verify_token(settings, issue_token(settings, "ivr", "channel", channels=["phone", "phone_business_line"]))
    assert principal.may_submit_for("phone") and principal.may_submit_for("phone_business_line")
    assert not principal.may_submit_for("app") and not principal.may_submit_for("web")
    operator = verify_token(settings, issue_token(settings, "op", "operator"))
    assert not operator.may_submit_for("phone")
    with pytest.raises(ValueError):
        issue_token(settings, "ivr", "channel")  # a channel token without channels is useless
