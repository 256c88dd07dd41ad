"""SLA's rules data file (services/sla/data/rules.json, or HOTLINE_SLA_RULES_FILE in SlaSettings)."""

import json
from functools import cache
from pathlib import Path

from services.sla.config import sla_settings
from services.sla.domain.rules import Rules, parse_rules

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "data" / "rules.json"


def load_rules(path: Path | str | None = None) -> Rules:
    """The rules in `path`, else in the settings' rules file, else the packaged ones (each read once)."""
    return _parsed(Path(path or sla_settings().rules_file or DEFAULT_RULES))


@cache
def _parsed(path: Path) -> Rules:
    return parse_rules(json.loads(path.read_text(encoding="utf-8")))
