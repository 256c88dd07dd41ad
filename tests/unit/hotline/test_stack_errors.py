"""The local stack says in one line what is missing instead of failing somewhere deep."""

import pytest

from hotline.stack import kafka, postgres
from hotline.stack.config import StackConfig, StackError


@pytest.fixture
def config(tmp_path) -> StackConfig:
    return StackConfig(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")


def test_missing_maven_is_named(config, monkeypatch):
    monkeypatch.setattr(kafka.shutil, "which", lambda name: None if name == "mvn" else "/usr/bin/" + name)
    with pytest.raises(StackError, match=r"mvn not found: install Maven"):
        kafka.jars(config)


def test_missing_java_is_named(config, monkeypatch):
    monkeypatch.setattr(kafka.shutil, "which", lambda name: None if name == "java" else "/usr/bin/" + name)
    with pytest.raises(StackError, match=r"java not found: install a Java 17 runtime"):
        kafka.up(config)


def test_missing_postgres_binaries_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_PG_BIN", str(tmp_path))
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.Path, "exists", lambda self: False)
    with pytest.raises(StackError, match=r"PostgreSQL server binaries not found"):
        postgres.bin_dir()


def test_status_never_fails():
    from hotline.cli import main

    assert main(["stack", "status"]) == 0  # status never fails, whatever runs


def test_kafka_properties_bind_loopback_only(config, tmp_path):
    text = kafka._properties(config, tmp_path / "data")
    listeners = [line for line in text.splitlines() if "listeners=" in line and "names" not in line]
    assert listeners and all("127.0.0.1" in line for line in listeners)
    assert "auto.create.topics.enable=false" in text
