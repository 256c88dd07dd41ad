"""Whose Kafka identity each part of a bench run uses: `hotline bench` or `hotline bench --secure`.

On the plaintext broker nobody has one: every part uses the bench's settings as they are. On the
secure local broker (`hotline stack up --secure`: TLS, SASL/SCRAM, ACLs) every part acts as it
would in production - each service as `hotline-<service>`, the load as the phone channel's
adapter (it may only submit) - and what only measures or sets up as `hotline-admin`, the broker's
super user: the fresh database's topics and ACLs, the watcher that follows the output topics and
the bare relays of the ceiling, whose topics no ACL names. So the two runs differ only in what
TLS, SASL and the authorizer cost.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.acls import ADMIN, channel_principal, service_principal
from hotline.stack.secure import SecureFiles, with_kafka_env
from shared.contracts.topics import SERVICES
from shared.settings import Settings

if TYPE_CHECKING:
    from hotline.stack.config import StackConfig

LOAD = channel_principal("phone")


@dataclass(frozen=True)
class Access:
    secure: bool = False
    # the broker's pid file, for its CPU per appeal
    broker_pid_file: Path | None = None
    # identity -> its HOTLINE_KAFKA_* settings; empty on the plaintext broker
    identities: dict[str, dict[str, str]] = field(default_factory=dict)

    def env(self, principal: str) -> dict[str, str]:
        """The HOTLINE_KAFKA_* settings of `principal` (nothing on the plaintext broker)."""
        return dict(self.identities.get(principal, {}))

    def settings(self, base: Settings, principal: str = ADMIN) -> Settings:
        """`base` (database, topic prefix...) as a Kafka client acting as `principal`."""
        env = self.identities.get(principal)
        return base if env is None else with_kafka_env(base, env)

    def service_env(self) -> dict[str, dict[str, str]]:
        """Each service process's own identity, for `Services(service_env=...)`."""
        return {name: self.env(service_principal(name)) for name in SERVICES}


def plaintext() -> Access:
    from hotline.stack import kafka
    from hotline.stack.config import StackConfig

    return Access(broker_pid_file=kafka.home_of(StackConfig()) / "kafka.pid")


def secure(config: "StackConfig | None" = None) -> Access:
    """The identities of the secure local broker; refused with what to run if it is not up."""
    from hotline.stack import kafka
    from hotline.stack.config import StackConfig, StackError
    from hotline.stack.processes import alive, port_open

    config = config or StackConfig()
    home = kafka.home_of(config, secure=True)
    files = SecureFiles(home)
    if not files.credentials_file.exists() or alive(home / "kafka.pid") is None \
            or not port_open(config.kafka_secure_port):
        raise StackError("no secure local broker running: `hotline stack up --secure` first "
                         f"(it serves 127.0.0.1:{config.kafka_secure_port} beside the plaintext one)")
    return of_files(files, f"127.0.0.1:{config.kafka_secure_port}", home / "kafka.pid")


def of_files(files: SecureFiles, bootstrap: str, broker_pid_file: Path | None = None) -> Access:
    """The bench's identities on the broker whose credentials and CA `files` keeps."""
    wanted = [ADMIN, LOAD, *(service_principal(name) for name in SERVICES)]
    return Access(secure=True, broker_pid_file=broker_pid_file,
                  identities={who: files.client_env(bootstrap, who) for who in wanted})

