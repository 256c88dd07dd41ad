"""Where the local stack keeps its files and which ports it binds (loopback only)."""

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCAL_DEPLOY = REPO / "deploy" / "local"


class StackError(RuntimeError):
    """A one-line reason the stack cannot start, printed without a traceback."""


@dataclass(frozen=True)
class StackConfig:
    # The postgres user must be able to reach the data directory, so the default is under
    # the system temp dir rather than inside a (possibly private) home or repo folder.
    state_dir: Path = Path(os.environ.get("HOTLINE_STACK_DIR", "/tmp/hotline-stack"))
    cache_dir: Path = Path(os.environ.get("HOTLINE_CACHE_DIR", Path.home() / ".cache" / "hotline"))
    kafka_port: int = int(os.environ.get("HOTLINE_STACK_KAFKA_PORT", "19092"))
    kafka_controller_port: int = int(os.environ.get("HOTLINE_STACK_KAFKA_CONTROLLER_PORT", "19093"))
    # `hotline stack up --secure`: a broker of its own with TLS, SASL/SCRAM and ACLs
    kafka_secure_port: int = int(os.environ.get("HOTLINE_STACK_KAFKA_SECURE_PORT", "19096"))
    kafka_secure_controller_port: int = int(os.environ.get("HOTLINE_STACK_KAFKA_SECURE_CONTROLLER_PORT", "19097"))
    kafka_heap: str = os.environ.get("HOTLINE_STACK_KAFKA_HEAP", "512m")
    pg_port: int = int(os.environ.get("HOTLINE_STACK_PG_PORT", "55432"))
    pg_database: str = "hotline"
    # fsync off makes the test database several times faster; a crash of the machine (not of
    # a service) can then lose the local stack's data. Set HOTLINE_STACK_DURABLE=1 to keep it.
    pg_durable: bool = os.environ.get("HOTLINE_STACK_DURABLE", "0") == "1"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.pg_database}"
