"""Load the unit directory and dispatch catalogue shipped as JSON data."""

import json
from pathlib import Path

from services.routing.domain.dispatch import Directory, Rule, Unit

DATA = Path(__file__).resolve().parents[1] / "data"


def load_directory(folder: Path = DATA) -> Directory:
    units_doc = json.loads((folder / "directory.json").read_text(encoding="utf-8"))
    rules_doc = json.loads((folder / "catalogue.json").read_text(encoding="utf-8"))
    units = {u["code"]: Unit(**u) for u in units_doc["units"]}
    rules = tuple(
        Rule(
            id=r["id"], lead=r["lead"], appeal_type=r.get("appeal_type"),
            categories=frozenset(r.get("categories", ())), district=r.get("district"),
            keywords=tuple(r.get("keywords", ())), co=tuple(r.get("co", ())),
        )
        for r in rules_doc["rules"]
    )
    governments = {u.district: u for u in units.values() if u.group == "district_government" and u.district}
    return Directory(units, rules, governments)
