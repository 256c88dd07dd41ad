"""Where the local stack keeps its files and which ports it binds (loopback only)."""

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[2]
LOCAL_DEPLOY = REPO / "deploy" / "local"


class StackError(RuntimeError):
    """A one-line reason the stack cannot start, printed without a traceback."""


class StackConfig(BaseSettings):
    """The stack's settings, read from HOTLINE_STACK_* (and HOTLINE_CACHE_DIR) when built."""

    # populate_by_name: tests and commands build it with field names (StackConfig(state_dir=...)),
    # the environment uses the aliases (HOTLINE_STACK_DIR, HOTLINE_CACHE_DIR, HOTLINE_STACK_DURABLE).
    model_config = SettingsConfigDict(env_prefix="HOTLINE_STACK_", extra="ignore", frozen=True,
                                      populate_by_name=True)

    # The postgres user must be able to reach the data directory, so the default is under
    # the system temp dir rather than inside a (possibly private) home or repo folder.
    state_dir: Path = Field(Path("/tmp/hotline-stack"), validation_alias="HOTLINE_STACK_DIR")
    cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "hotline",
                            validation_alias="HOTLINE_CACHE_DIR")
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    # `hotline stack up --secure`: a broker of its own with TLS, SASL/SCRAM and ACLs
    kafka_secure_port: int = 19096
    kafka_secure_controller_port: int = 19097
    kafka_heap: str = "512m"
    pg_port: int = 55432
    pg_database: str = "hotline"
    # fsync off makes the test database several times faster; a crash of the machine (not of
    # a service) can then lose the local stack's data. Set HOTLINE_STACK_DURABLE=1 to keep it.
    pg_durable: bool = Field(False, validation_alias="HOTLINE_STACK_DURABLE")

    def __init__(self, **values: Any) -> None:
        # A wrong variable stops the command in one line that names it, like the stack's other errors.
        try:
            super().__init__(**values)
        except ValidationError as error:
            wrong = "; ".join(f"{_variable(problem['loc'])}: {problem['msg']}" for problem in error.errors())
            raise StackError(f"stack settings: {wrong}") from None

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/{self.pg_database}"


def _variable(location: tuple[int | str, ...]) -> str:
    """The environment variable behind a field's error (aliases are already the variable's name)."""
    name = str(location[0]) if location else "?"
    return name if name.startswith("HOTLINE_") else "HOTLINE_STACK_" + name.upper()
