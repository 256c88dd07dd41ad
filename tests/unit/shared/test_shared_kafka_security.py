"""Kafka TLS/SASL settings reach both the faststream broker and raw aiokafka clients."""

import pytest
from faststream.security import SASLScram512

from shared.kafka.security import broker_security, client_options
from shared.settings import Settings


def test_plaintext_needs_nothing():
    settings = Settings(kafka_security_protocol="PLAINTEXT")
    assert broker_security(settings) is None
    assert client_options(settings)["security_protocol"] == "PLAINTEXT"


def test_sasl_ssl_with_scram_passes_credentials_and_tls():
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="SCRAM-SHA-512",
                        kafka_sasl_username="hotline", kafka_sasl_password="pw")
    security = broker_security(settings)
    assert isinstance(security, SASLScram512) and security.use_ssl
    options = client_options(settings)
    assert options["sasl_mechanism"] == "SCRAM-SHA-512" and options["sasl_plain_username"] == "hotline"
    assert options["ssl_context"] is not None


def test_sasl_without_credentials_is_refused_with_the_variables_to_set():
    with pytest.raises(ValueError, match="HOTLINE_KAFKA_SASL_USERNAME"):
        broker_security(Settings(kafka_security_protocol="SASL_PLAINTEXT"))
