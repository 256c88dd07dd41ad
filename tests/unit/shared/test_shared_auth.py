"""Access tokens: verified signature, issuer, audience and expiry; roles; unit scope; asymmetric
keys from a key set that can hold two keys during a rotation; no development key in production."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from pydantic import ValidationError

from shared.auth import DEVELOPMENT_SECRET, InvalidToken, Principal, issue_token, verify_token
from shared.settings import Settings

SECRET_KEY = "k" * 40

DEV = Settings(env="development")


def test_a_unit_token_round_trips_with_its_unit():
    principal = verify_token(DEV, issue_token(DEV, "clerk-7", "unit", "SAMR"))
    assert principal == Principal("clerk-7", "unit", "SAMR")


@pytest.mark.parametrize(
    "claims, why",
    [
        ({"sub": "x", "role": "operator", "iss": "hotline", "exp": 1}, "expired"),
        ({"sub": "x", "role": "operator", "iss": "hotline", "exp": 4102444800, "aud": "hotline-routing"},
         "(?i)audience"),
        ({"sub": "x", "role": "operator", "iss": "hotline", "exp": 4102444800}, "aud"),
        ({"sub": "x", "role": "operator", "iss": "elsewhere", "exp": 4102444800, "aud": "hotline-intake"}, "issuer"),
        ({"sub": "x", "role": "god", "iss": "hotline", "exp": 4102444800, "aud": "hotline-intake"}, "unknown role"),
        ({"sub": "x", "role": "unit", "iss": "hotline", "exp": 4102444800, "aud": "hotline-intake"}, "must name its unit"),
        ({"role": "operator", "iss": "hotline", "exp": 4102444800, "aud": "hotline-intake"}, "sub"),
    ],
)
def test_bad_claims_are_refused(claims, why):
    token = jwt.encode(claims, DEVELOPMENT_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken, match=why):
        verify_token(DEV, token, "hotline-intake")


def test_a_token_signed_with_another_key_is_refused():
    token = jwt.encode({"sub": "x", "role": "admin", "iss": "hotline", "exp": 4102444800}, "a-guessed-key-of-decent-length-0123456789", algorithm="HS256")
    with pytest.raises(InvalidToken, match="Signature"):
        verify_token(DEV, token)


def test_the_none_algorithm_is_refused():
    token = jwt.encode({"sub": "x", "role": "admin", "iss": "hotline", "exp": 4102444800}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        verify_token(DEV, token)


@pytest.mark.parametrize("role, unit, allowed", [("unit", "SAMR", True), ("unit", "TAX", False),
                                                 ("operator", None, True), ("supervisor", None, True)])
def test_units_act_only_for_themselves(role, unit, allowed):
    assert Principal("p", role, unit).may_act_for("SAMR") is allowed


# --- keys, audiences, production ---------------------------------------------------------------------

def _pem(private) -> str:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()


def _jwk(private, kid: str) -> dict:
    algorithm = jwt.algorithms.OKPAlgorithm if isinstance(private, ed25519.Ed25519PrivateKey) \
        else jwt.algorithms.RSAAlgorithm
    return {**json.loads(algorithm.to_jwk(private.public_key())), "kid": kid, "use": "sig"}


OLD = rsa.generate_private_key(public_exponent=65537, key_size=2048)
NEW = ed25519.Ed25519PrivateKey.generate()


def _production(jwks: list[dict], **more) -> Settings:
    return Settings(env="production", secret_key=SECRET_KEY, jwt_algorithm="EdDSA",
                    jwt_jwks=json.dumps({"keys": jwks}), **more)


def test_the_mode_is_production_unless_told(monkeypatch):
    monkeypatch.delenv("HOTLINE_ENV", raising=False)
    with pytest.raises(ValidationError, match="HOTLINE_SECRET_KEY"):
        Settings()


@pytest.mark.parametrize("settings, says", [
    ({}, "HOTLINE_SECRET_KEY"),
    ({"secret_key": "short"}, "at least 32"),
    ({"secret_key": SECRET_KEY}, "HS256"),  # the default algorithm is the development one
    ({"secret_key": SECRET_KEY, "jwt_algorithm": "RS256", "jwt_secret": "x" * 40}, "development only"),
    ({"secret_key": SECRET_KEY, "jwt_algorithm": "RS256"}, "HOTLINE_JWT_JWKS_FILE"),
    ({"secret_key": SECRET_KEY, "jwt_algorithm": "RS256", "jwt_jwks_file": "/keys/jwks.json",
      "database_url": "postgresql://postgres:hotline-dev@db/hotline"}, "published development password"),
])
def test_production_refuses_development_secrets_and_says_what_to_set(settings, says):
    with pytest.raises(ValidationError, match=says):
        Settings(env="production", **settings)


def test_a_production_token_is_verified_with_the_key_its_kid_names_during_a_rotation():
    both = _production([_jwk(OLD, "2026-old"), _jwk(NEW, "2026-new")])
    old_token = issue_token(both.model_copy(update={"jwt_algorithm": "RS256"}), "op", "operator",
                            audience="hotline-routing", private_key=_pem(OLD), kid="2026-old")
    new_token = issue_token(both, "op", "supervisor", audience="hotline-routing", private_key=_pem(NEW),
                            kid="2026-new")
    assert verify_token(both, old_token, "hotline-routing").role == "operator"
    assert verify_token(both, new_token, "hotline-routing").role == "supervisor"
    # once the old key leaves the set, its tokens are refused
    rotated = _production([_jwk(NEW, "2026-new")])
    with pytest.raises(InvalidToken, match="kid"):
        verify_token(rotated, old_token, "hotline-routing")
    assert verify_token(rotated, new_token, "hotline-routing").subject == "op"


def test_a_token_for_one_service_is_refused_at_another():
    prod = _production([_jwk(NEW, "k1")])
    token = issue_token(prod, "op", "admin", audience="hotline-sla", private_key=_pem(NEW), kid="k1")
    assert verify_token(prod, token, prod.audience_for("sla")).role == "admin"
    with pytest.raises(InvalidToken, match=r"(?i)audience"):
        verify_token(prod, token, prod.audience_for("assessment"))


def test_production_refuses_the_development_secret_and_an_hs256_token_signed_with_a_public_key():
    prod = _production([_jwk(NEW, "k1")])
    with pytest.raises(InvalidToken):  # a development token is worthless in production
        verify_token(prod, issue_token(DEV, "op", "admin"), "hotline-intake")
    with pytest.raises(ValueError, match="identity provider"):
        issue_token(prod, "op", "admin")
    # algorithm confusion: the public key used as an HMAC secret
    public = NEW.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    forged = jwt.encode({"sub": "x", "role": "admin", "iss": "hotline", "exp": 4102444800,
                         "aud": "hotline-intake"}, public, algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        verify_token(prod, forged, "hotline-intake")


def test_a_key_set_file_is_read_and_a_missing_one_refuses_tokens(tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [_jwk(NEW, "k1")]}))
    prod = Settings(env="production", secret_key=SECRET_KEY, jwt_algorithm="EdDSA", jwt_jwks_file=str(jwks))
    token = issue_token(prod, "op", "operator", audience="hotline-intake", private_key=_pem(NEW), kid="k1")
    assert verify_token(prod, token, "hotline-intake").role == "operator"
    jwks.unlink()
    with pytest.raises(InvalidToken, match="cannot be read"):
        verify_token(prod, token, "hotline-intake")


def test_development_tokens_name_every_service_unless_given_an_audience():
    token = issue_token(DEV, "dev", "operator")
    for service in ("intake", "routing", "sla", "publication", "assessment"):
        assert verify_token(DEV, token, DEV.audience_for(service)).role == "operator"
    only_intake = issue_token(DEV, "dev", "operator", audience="hotline-intake")
    with pytest.raises(InvalidToken, match=r"(?i)audience"):
        verify_token(DEV, only_intake, "hotline-publication")


def test_a_channel_token_names_the_channels_it_may_submit_for():
    from shared.auth import issue_token, verify_token
    from shared.settings import Settings

    settings = Settings(_env_file=None)
    principal = verify_token(settings, issue_token(settings, "ivr", "channel", channels=["phone", "phone_business_line"]))
    assert principal.may_submit_for("phone") and principal.may_submit_for("phone_business_line")
    assert not principal.may_submit_for("app") and not principal.may_submit_for("web")
    operator = verify_token(settings, issue_token(settings, "op", "operator"))
    assert operator.may_submit_for("phone") and operator.may_submit_for("phone_business_line")  # call-takers
    assert not operator.may_submit_for("app") and not operator.may_submit_for("web")
    with pytest.raises(ValueError):
        issue_token(settings, "ivr", "channel")  # a channel token without channels is useless
