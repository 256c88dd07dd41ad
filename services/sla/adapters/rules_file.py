"""SLA's rules data file (services/sla/data/rules.json, or HOTLINE_SLA_RULES_FILE)."""

import json
import os
from functools import cache
from pathlib import Path

from services.sla.domain.rules import Rules, parse_rules

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "data" / "rules.json"


@cache
def load_rules(path: str | None = None) -> Rules:
    chosen = Path(path or os.environ.get("HOTLINE_SLA_RULES_FILE") or DEFAULT_RULES)
    return parse_rules(json.loads(chosen.read_text(encoding="utf-8")))
