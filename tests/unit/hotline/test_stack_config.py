"""The stack's settings come from the same HOTLINE_STACK_* / HOTLINE_CACHE_DIR variables as before."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from hotline.stack.config import StackConfig, StackError

VARIABLES = ("HOTLINE_STACK_DIR", "HOTLINE_CACHE_DIR", "HOTLINE_STACK_KAFKA_PORT", "HOTLINE_STACK_PG_PORT",
             "HOTLINE_STACK_KAFKA_CONTROLLER_PORT", "HOTLINE_STACK_KAFKA_SECURE_PORT",
             "HOTLINE_STACK_KAFKA_SECURE_CONTROLLER_PORT", "HOTLINE_STACK_KAFKA_HEAP", "HOTLINE_STACK_DURABLE")


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_loopback_stack():
    config = StackConfig()
    assert config.state_dir == Path("/tmp/hotline-stack")
    assert config.cache_dir == Path.home() / ".cache" / "hotline"
    assert (config.kafka_port, config.kafka_controller_port) == (19092, 19093)
    assert (config.kafka_secure_port, config.kafka_secure_controller_port) == (19096, 19097)
    assert (config.kafka_heap, config.pg_port, config.pg_durable) == ("512m", 55432, False)
    assert config.kafka_bootstrap == "127.0.0.1:19092"
    assert config.database_url == "postgresql://postgres@127.0.0.1:55432/hotline"


def test_each_variable_is_read_when_the_config_is_built(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_STACK_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOTLINE_STACK_KAFKA_PORT", "29092")
    monkeypatch.setenv("HOTLINE_STACK_KAFKA_CONTROLLER_PORT", "29093")
    monkeypatch.setenv("HOTLINE_STACK_KAFKA_SECURE_PORT", "29096")
    monkeypatch.setenv("HOTLINE_STACK_KAFKA_SECURE_CONTROLLER_PORT", "29097")
    monkeypatch.setenv("HOTLINE_STACK_KAFKA_HEAP", "1g")
    monkeypatch.setenv("HOTLINE_STACK_PG_PORT", "65432")
    monkeypatch.setenv("HOTLINE_STACK_DURABLE", "1")
    config = StackConfig()
    assert (config.state_dir, config.cache_dir) == (tmp_path / "state", tmp_path / "cache")
    assert (config.kafka_port, config.kafka_controller_port) == (29092, 29093)
    assert (config.kafka_secure_port, config.kafka_secure_controller_port) == (29096, 29097)
    assert (config.kafka_heap, config.pg_durable) == ("1g", True)
    assert config.database_url == "postgresql://postgres@127.0.0.1:65432/hotline"


def test_keywords_override_the_environment_and_the_config_is_frozen(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_STACK_DIR", "/elsewhere")
    config = StackConfig(state_dir=tmp_path, kafka_secure_port=1)
    assert (config.state_dir, config.kafka_secure_port) == (tmp_path, 1)
    with pytest.raises(ValidationError):
        config.kafka_port = 2  # type: ignore[misc]


def test_a_variable_of_the_wrong_type_is_named_in_one_line(monkeypatch):
    monkeypatch.setenv("HOTLINE_STACK_PG_PORT", "five")
    monkeypatch.setenv("HOTLINE_STACK_DURABLE", "perhaps")
    with pytest.raises(StackError, match=r"stack settings: HOTLINE_STACK_PG_PORT: .*integer; HOTLINE_STACK_DURABLE: .*boolean"):
        StackConfig()
