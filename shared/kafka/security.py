"""TLS and SASL for Kafka, from settings, for faststream brokers and raw aiokafka clients alike."""

import ssl
from typing import Any

from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from shared.settings import Settings


def _ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if "SSL" not in settings.kafka_security_protocol:
        return None
    return ssl.create_default_context(cafile=settings.kafka_ssl_cafile)


def broker_security(settings: Settings) -> BaseSecurity | None:
    """The faststream security object for the configured protocol (None for plaintext)."""
    protocol = settings.kafka_security_protocol
    context = _ssl_context(settings)
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context)
    username, password = _credentials(settings)
    kind = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
    return kind[settings.kafka_sasl_mechanism](username, password, ssl_context=context,
                                               use_ssl=protocol == "SASL_SSL")


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer / Consumer / AdminClient."""
    options: dict[str, Any] = {"bootstrap_servers": settings.kafka_bootstrap,
                     "security_protocol": settings.kafka_security_protocol}
    if (context := _ssl_context(settings)) is not None:
        options["ssl_context"] = context
    if settings.kafka_security_protocol.startswith("SASL"):
        username, password = _credentials(settings)
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                       sasl_plain_username=username, sasl_plain_password=password)
    return options


def _credentials(settings: Settings) -> tuple[str, str]:
    if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
        raise ValueError("SASL needs HOTLINE_KAFKA_SASL_USERNAME and HOTLINE_KAFKA_SASL_PASSWORD")
    return settings.kafka_sasl_username, settings.kafka_sasl_password.get_secret_value()
