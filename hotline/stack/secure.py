"""The local broker with identities (`hotline stack up --secure`): TLS, SASL/SCRAM and ACLs.

- TLS: a CA made for this stack signs the broker's certificate (for 127.0.0.1 and
  localhost); clients trust `tls/ca.pem` (HOTLINE_KAFKA_SSL_CAFILE). Files are PEM, which
  Kafka reads directly.
- SASL/SCRAM-SHA-512 on the client listener: one credential per identity of hotline/acls.py
  (each service, each channel adapter, the units' gateway, the open-data reader, the admin),
  with random passwords kept in `credentials.json` (mode 0600), written into the cluster's
  metadata when the storage is formatted.
- The controller listener takes only the broker itself, by its certificate (mutual TLS).
- StandardAuthorizer (KRaft): what no ACL allows is refused; `hotline-admin` and the broker
  are the super users. The ACLs come from the topic registry (`hotline acls`).
"""

import datetime as dt
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from hotline.acls import ADMIN, principals
from shared.settings import Settings

MECHANISM = "SCRAM-SHA-512"
# the settings a client's identity consists of (what `client_env` gives)
KAFKA_FIELDS = ("kafka_bootstrap", "kafka_security_protocol", "kafka_sasl_mechanism", "kafka_sasl_username",
                "kafka_sasl_password", "kafka_ssl_cafile")
BROKER_SUBJECT = "hotline-broker"


@dataclass(frozen=True)
class SecureFiles:
    home: Path  # the broker's folder in the stack dir

    @property
    def tls(self) -> Path:
        return self.home / "tls"

    @property
    def ca(self) -> Path:
        return self.tls / "ca.pem"

    @property
    def keystore(self) -> Path:
        return self.tls / "broker.pem"

    @property
    def credentials_file(self) -> Path:
        return self.home / "credentials.json"

    def credentials(self) -> dict[str, str]:
        return json.loads(self.credentials_file.read_text(encoding="utf-8"))

    def prepare(self) -> None:
        """Make the CA, the broker's key and certificate and the passwords, once."""
        self.tls.mkdir(parents=True, exist_ok=True)
        if not self.keystore.exists():
            _write_tls(self.ca, self.keystore)
        if not self.credentials_file.exists():
            passwords = {who: secrets.token_urlsafe(24) for who in principals()}
            self.credentials_file.touch(mode=0o600)
            self.credentials_file.write_text(json.dumps(passwords, indent=2), encoding="utf-8")
        else:  # identities added to the registry since: give them a password too
            passwords = self.credentials()
            missing = [who for who in principals() if who not in passwords]
            if missing:
                passwords.update({who: secrets.token_urlsafe(24) for who in missing})
                self.credentials_file.write_text(json.dumps(passwords, indent=2), encoding="utf-8")
        os.chmod(self.credentials_file, 0o600)

    def client_env(self, bootstrap: str, principal: str = ADMIN) -> dict[str, str]:
        """The HOTLINE_KAFKA_* settings of a client acting as `principal`."""
        return {"HOTLINE_KAFKA_BOOTSTRAP": bootstrap, "HOTLINE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "HOTLINE_KAFKA_SASL_MECHANISM": MECHANISM, "HOTLINE_KAFKA_SASL_USERNAME": principal,
                "HOTLINE_KAFKA_SASL_PASSWORD": self.credentials()[principal],
                "HOTLINE_KAFKA_SSL_CAFILE": str(self.ca)}

    def settings_for(self, base: Settings, bootstrap: str, principal: str = ADMIN) -> Settings:
        """`base` (database, topic prefix, mode...) as a Kafka client acting as `principal`."""
        return with_kafka_env(base, self.client_env(bootstrap, principal))

    def format_arguments(self) -> list[str]:
        """`StorageTool format` arguments that put every SCRAM credential into the metadata."""
        arguments = []
        for who, password in self.credentials().items():
            arguments += ["--add-scram", f"{MECHANISM}=[name={who},password={password}]"]
        return arguments

    def properties(self, port: int, controller_port: int, voters: str | None = None) -> list[str]:
        """The listener and security lines of a node; `voters` is the controller quorum (default:
        this node alone, as node 1)."""
        admin_password = self.credentials()[ADMIN]
        jaas = (f'org.apache.kafka.common.security.scram.ScramLoginModule required '
                f'username="{ADMIN}" password="{admin_password}";')
        return [
            f"controller.quorum.voters={voters or f'1@127.0.0.1:{controller_port}'}",
            f"listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=SASL_SSL://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=SASL_SSL",
            "listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL",
            f"sasl.enabled.mechanisms={MECHANISM}",
            f"sasl.mechanism.inter.broker.protocol={MECHANISM}",
            f"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={jaas}",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={self.keystore}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={self.ca}",
            "ssl.endpoint.identification.algorithm=https",
            # the controller listener: only the broker's own certificate gets in
            "listener.name.controller.ssl.client.auth=required",
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            f"super.users=User:{ADMIN};User:CN={BROKER_SUBJECT}",
            "allow.everyone.if.no.acl.found=false",
        ]


def with_kafka_env(base: Settings, env: dict[str, str]) -> Settings:
    """`base` with the HOTLINE_KAFKA_* settings of `env` (what `client_env` gives), validated."""
    kafka = Settings(env="development", **{k.removeprefix("HOTLINE_").lower(): v  # type: ignore[arg-type]
                                           for k, v in env.items()})
    return base.model_copy(update={name: getattr(kafka, name) for name in KAFKA_FIELDS})


def _write_tls(ca_file: Path, keystore: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hotline local stack CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=825))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, BROKER_SUBJECT)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                                  x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    keystore.touch(mode=0o600)
    keystore.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM))
