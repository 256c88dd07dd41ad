"""`hotline token --audience`: a token for one service, refused at another; signed with a
private key and a kid it verifies against a key set holding that key."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hotline.cli import main
from shared.auth import InvalidToken, verify_token
from shared.settings import Settings


def _token(capsys, *args: str) -> str:
    assert main(["token", *args]) == 0
    return capsys.readouterr().out.strip()


def test_a_token_for_routing_is_refused_at_intake(capsys):
    settings = Settings(env="development")
    token = _token(capsys, "--role", "operator", "--audience", "routing")
    assert verify_token(settings, token, "hotline-routing").role == "operator"
    with pytest.raises(InvalidToken, match=r"(?i)audience"):
        verify_token(settings, token, "hotline-intake")


def test_signed_with_a_private_key_and_kid(capsys, tmp_path, monkeypatch):
    private = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "key.pem"
    pem.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    jwk = {**json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key())), "kid": "2026-12"}
    monkeypatch.setenv("HOTLINE_JWT_ALGORITHM", "EdDSA")
    token = _token(capsys, "--role", "admin", "--audience", "sla", "--private-key", str(pem), "--kid", "2026-12")
    assert jwt.get_unverified_header(token)["kid"] == "2026-12"
    production = Settings(env="production", secret_key="s" * 40, jwt_algorithm="EdDSA",
                          jwt_jwks=json.dumps({"keys": [jwk]}))
    assert verify_token(production, token, "hotline-sla").role == "admin"
