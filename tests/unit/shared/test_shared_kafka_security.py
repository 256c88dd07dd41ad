"""Kafka TLS/SASL settings reach the faststream broker, raw aiokafka clients and librdkafka alike."""

import pytest
from confluent_kafka import Consumer
from faststream.security import SASLScram512

from hotline.stack.secure import SecureFiles
from shared.kafka.security import broker_security, client_options, librdkafka_config
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


def test_librdkafka_gets_the_same_connection_in_its_own_keys(tmp_path):
    files = SecureFiles(tmp_path)
    files.prepare()  # a real CA file: librdkafka loads it when the client is made
    settings = Settings(kafka_bootstrap="127.0.0.1:19096", kafka_security_protocol="SASL_SSL",
                        kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="hotline-assessment",
                        kafka_sasl_password="pw", kafka_ssl_cafile=str(files.ca))
    config = librdkafka_config(settings)
    assert config == {"bootstrap.servers": "127.0.0.1:19096", "security.protocol": "sasl_ssl",
                      "ssl.ca.location": str(files.ca), "sasl.mechanism": "SCRAM-SHA-512",
                      "sasl.username": "hotline-assessment", "sasl.password": "pw"}
    Consumer({**config, "group.id": "g"}).close()  # librdkafka takes every key and value
    assert librdkafka_config(settings.model_copy(update={"kafka_ssl_cafile": None}))["ssl.ca.location"] == "probe"


def test_librdkafka_plaintext_and_tls_without_sasl():
    plain = Settings(kafka_bootstrap="127.0.0.1:19092", kafka_security_protocol="PLAINTEXT")
    assert librdkafka_config(plain) == {"bootstrap.servers": "127.0.0.1:19092", "security.protocol": "plaintext"}
    tls = librdkafka_config(Settings(kafka_security_protocol="SSL"))
    assert tls["security.protocol"] == "ssl" and "sasl.username" not in tls
    with pytest.raises(ValueError, match="HOTLINE_KAFKA_SASL_USERNAME"):
        librdkafka_config(Settings(kafka_security_protocol="SASL_PLAINTEXT"))
