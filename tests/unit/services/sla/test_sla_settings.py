"""SLA's settings are read once, through pydantic-settings, and name the rules file."""

import json

from services.sla import config
from services.sla.adapters.rules_file import DEFAULT_RULES, load_rules


def test_the_rules_file_comes_from_the_settings(monkeypatch, tmp_path):
    rules = json.loads(DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["parking"]["max_wait_hours"] = float(rules["parking"]["max_wait_hours"]) + 1
    own = tmp_path / "rules.json"
    own.write_text(json.dumps(rules), encoding="utf-8")
    monkeypatch.setenv("HOTLINE_SLA_RULES_FILE", str(own))
    config.sla_settings.cache_clear()
    try:
        assert config.sla_settings().rules_file == own
        assert config.sla_settings() is config.sla_settings()  # built once
        assert load_rules() == load_rules(own) != load_rules(DEFAULT_RULES)
    finally:
        config.sla_settings.cache_clear()


def test_without_the_variable_the_packaged_rules_are_used(monkeypatch):
    monkeypatch.delenv("HOTLINE_SLA_RULES_FILE", raising=False)
    config.sla_settings.cache_clear()
    try:
        assert config.sla_settings().rules_file is None
        assert load_rules() is load_rules(DEFAULT_RULES)
    finally:
        config.sla_settings.cache_clear()
