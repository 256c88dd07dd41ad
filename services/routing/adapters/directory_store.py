"""The unit directory and dispatch catalogue in routing's tables, versioned."""

import json
from dataclasses import asdict

import asyncpg

from services.routing.domain.dispatch import Directory, Rule, Unit, build_directory

_VERSION = "SELECT coalesce(max(version), 0) FROM directory_versions"
_UNITS = "SELECT * FROM directory_units ORDER BY code"
_RULES = "SELECT * FROM catalogue_rules ORDER BY position, id"


def _unit(row: asyncpg.Record) -> Unit:
    return Unit(row["code"], row["name_zh"], row["name_en"], row["level"], row["unit_group"], row["district"],
                tuple(row["categories"]), tuple(row["districts"]))


def _rule(row: asyncpg.Record) -> Rule:
    return Rule(row["id"], row["lead"], row["appeal_type"], frozenset(row["categories"]), row["district"],
                tuple(row["keywords"]), tuple(row["co"]))


async def current_version(conn: asyncpg.Connection) -> int:
    return await conn.fetchval(_VERSION)


async def read(conn: asyncpg.Connection) -> tuple[int, Directory, dict[str, int]]:
    """The current version, the directory, and each rule's position."""
    version = await conn.fetchval(_VERSION)
    units = {row["code"]: _unit(row) for row in await conn.fetch(_UNITS)}
    rule_rows = await conn.fetch(_RULES)
    directory = build_directory(units, tuple(_rule(r) for r in rule_rows))
    return version, directory, {r["id"]: r["position"] for r in rule_rows}


class DirectoryCache:
    """The directory as of its latest version, re-read only when the version moved."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._directory: Directory | None = None

    async def current(self, conn: asyncpg.Connection) -> tuple[int, Directory]:
        version = await current_version(conn)
        if version != self._version or self._directory is None:
            version, self._directory, _ = await read(conn)
            self._version = version
        return version, self._directory


async def lock_for_edit(conn: asyncpg.Connection) -> int:
    """Serialise edits (one version at a time); return the version the edit builds on."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('routing:directory'))")
    return await conn.fetchval(_VERSION)


async def record_version(conn: asyncpg.Connection, version: int, *, label: str, changed_by: str, reason: str,
                         change: dict) -> None:
    await conn.execute(
        "INSERT INTO directory_versions (version, label, changed_by, reason, change) "
        "VALUES ($1, $2, $3, $4, $5::jsonb)",
        version, label, changed_by, reason, json.dumps(change, ensure_ascii=False))


async def upsert_unit(conn: asyncpg.Connection, unit: Unit, version: int) -> None:
    await conn.execute(
        "INSERT INTO directory_units (code, name_zh, name_en, level, unit_group, district, categories, districts, "
        "since_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (code) DO UPDATE SET "
        "name_zh = $2, name_en = $3, level = $4, unit_group = $5, district = $6, categories = $7, districts = $8, "
        "since_version = $9",
        unit.code, unit.name_zh, unit.name_en, unit.level, unit.group, unit.district, list(unit.categories),
        list(unit.districts), version)


async def delete_unit(conn: asyncpg.Connection, code: str) -> None:
    await conn.execute("DELETE FROM directory_units WHERE code = $1", code)


async def upsert_rule(conn: asyncpg.Connection, rule: Rule, position: int, version: int) -> None:
    await conn.execute(
        "INSERT INTO catalogue_rules (id, position, appeal_type, categories, district, keywords, lead, co, "
        "since_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET "
        "position = $2, appeal_type = $3, categories = $4, district = $5, keywords = $6, lead = $7, co = $8, "
        "since_version = $9",
        rule.id, position, rule.appeal_type, sorted(rule.categories), rule.district, list(rule.keywords),
        rule.lead, list(rule.co), version)


async def delete_rule(conn: asyncpg.Connection, rule_id: str) -> None:
    await conn.execute("DELETE FROM catalogue_rules WHERE id = $1", rule_id)


def unit_document(unit: Unit) -> dict:
    doc = asdict(unit)
    doc["categories"], doc["districts"] = list(unit.categories), list(unit.districts)
    return doc


def rule_document(rule: Rule, position: int | None = None) -> dict[str, object]:
    doc: dict[str, object] = {"id": rule.id, "lead": rule.lead, "appeal_type": rule.appeal_type,
           "categories": sorted(rule.categories), "district": rule.district,
           "keywords": list(rule.keywords), "co": list(rule.co)}
    if position is not None:
        doc["position"] = position
    return doc
