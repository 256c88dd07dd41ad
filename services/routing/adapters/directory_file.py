"""Load the unit directory and dispatch catalogue shipped as JSON data."""

import json
from pathlib import Path

from services.routing.domain.dispatch import Directory, Rule, Unit, build_directory

DATA = Path(__file__).resolve().parents[1] / "data"


def read_documents(folder: Path = DATA) -> tuple[dict, dict]:
    """The raw directory and catalogue documents."""
    units_doc = json.loads((folder / "directory.json").read_text(encoding="utf-8"))
    rules_doc = json.loads((folder / "catalogue.json").read_text(encoding="utf-8"))
    return units_doc, rules_doc


def read_update(folder: Path = DATA) -> dict:
    """The city-taxonomy update (units and rules added or replaced on top of the seed); none in a folder without it."""
    path = folder / "city_taxonomy.json"
    if not path.exists():
        return {"version": "none", "units": [], "rules": []}
    return json.loads(path.read_text(encoding="utf-8"))


def merged_documents(folder: Path = DATA) -> tuple[dict, dict]:
    """The shipped directory and catalogue as the migrations leave them: the seed, then the update."""
    units_doc, rules_doc = read_documents(folder)
    update = read_update(folder)
    units = {u["code"]: u for u in units_doc["units"]}
    units.update({u["code"]: u for u in update["units"]})
    rules = {r["id"]: r for r in rules_doc["rules"]}
    rules.update({r["id"]: r for r in update["rules"]})
    return {**units_doc, "units": list(units.values())}, {**rules_doc, "rules": list(rules.values())}


def unit_from(doc: dict) -> Unit:
    return Unit(
        code=doc["code"], name_zh=doc["name_zh"], name_en=doc["name_en"], level=doc["level"],
        group=doc["group"], district=doc.get("district"),
        categories=tuple(doc.get("categories", ())), districts=tuple(doc.get("districts", ())),
    )


def rule_from(doc: dict) -> Rule:
    return Rule(
        id=doc["id"], lead=doc["lead"], appeal_type=doc.get("appeal_type"),
        categories=frozenset(doc.get("categories", ())), district=doc.get("district"),
        keywords=tuple(doc.get("keywords", ())), co=tuple(doc.get("co", ())),
    )


def load_directory(folder: Path = DATA) -> Directory:
    units_doc, rules_doc = merged_documents(folder)
    units = {u["code"]: unit_from(u) for u in units_doc["units"]}
    return build_directory(units, tuple(rule_from(r) for r in rules_doc["rules"]))
