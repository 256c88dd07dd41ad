"""The workbench acts as the logged-in person with a token it signs. In production the services
take only asymmetric tokens, so the workbench signs with its own private key, and a service
verifies it with the public half in its key set."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from services.workbench.adapters.platform import Platform
from services.workbench.config import WorkbenchSettings
from services.workbench.domain.accounts import Staff
from shared.auth import verify_token
from shared.settings import Settings

CLERK = Staff(username="li", display_name="李", role="unit", unit_code="SAMR")


@pytest.fixture
def key_pair(tmp_path):
    private = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "workbench.pem"
    pem.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    jwk = {**json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key())), "kid": "workbench-1"}
    return pem, jwk


def test_in_production_the_workbench_signs_with_its_key_and_a_service_verifies_it(key_pair):
    pem, jwk = key_pair
    production = Settings(env="production", secret_key="k" * 40, jwt_algorithm="EdDSA",
                          jwt_jwks=json.dumps({"keys": [jwk]}), database_url="postgresql://db/hotline")
    platform = Platform(production, WorkbenchSettings(signing_key_file=str(pem), signing_kid="workbench-1"))
    principal = verify_token(production, platform.token_for(CLERK), production.audience_for("routing"))
    assert (principal.role, principal.unit_code) == ("unit", "SAMR")


def test_in_production_without_a_signing_key_the_workbench_mints_nothing():
    production = Settings(env="production", secret_key="k" * 40, jwt_algorithm="EdDSA",
                          jwt_jwks=json.dumps({"keys": []}), database_url="postgresql://db/hotline")
    with pytest.raises(ValueError, match="identity provider"):
        Platform(production, WorkbenchSettings()).token_for(CLERK)
