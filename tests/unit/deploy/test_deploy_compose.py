"""deploy/compose.yaml is a development platform for one machine: nothing it publishes is
reachable from another host, and no password is written in it."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).parents[3] / "deploy" / "compose.yaml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_every_published_port_is_bound_to_loopback():
    published = [(name, port) for name, service in _compose()["services"].items()
                 for port in service.get("ports", [])]
    assert published, "compose publishes nothing?"
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_no_database_password_is_written_in_the_file():
    text = COMPOSE.read_text(encoding="utf-8")
    assert "hotline-dev" not in text
    postgres = _compose()["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert postgres.startswith("${HOTLINE_DB_PASSWORD:?"), "the password must come from the environment, required"
