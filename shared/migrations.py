"""Numbered .sql migrations per schema, run by `hotline migrate`, never at service start-up.

Each schema gets the shared delivery tables first, then its service's own files. Applied
files are recorded with a checksum; editing an applied file is refused rather than ignored.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)
SHARED_MIGRATIONS = Path(__file__).parent / "migrations"
_FILE = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    source: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(source: str, folder: Path) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNN_words.sql")
        found.append(Migration(source, int(match[1]), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a number")
    return found


async def migrate(conn: asyncpg.Connection, schema: str, service_folder: Path) -> list[str]:
    """Bring `schema` up to date; return the names of the files applied now."""
    if not re.fullmatch(r"[a-z_]+", schema):
        raise MigrationError(f"bad schema name {schema!r}")
    plan = discover("shared", SHARED_MIGRATIONS) + discover(schema, service_folder)
    applied_now: list[str] = []
    async with conn.transaction():
        # One migrator per schema at a time, even when several pods start together.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(f"SET LOCAL search_path TO {schema}")
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   source text NOT NULL, version int NOT NULL, name text NOT NULL,
                   checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (source, version))"""
        )
        done = {
            (r["source"], r["version"]): r["checksum"]
            for r in await conn.fetch("SELECT source, version, checksum FROM schema_migrations")
        }
        for m in plan:
            recorded = done.get((m.source, m.version))
            if recorded is not None:
                if recorded != m.checksum:
                    raise MigrationError(f"{schema}: applied migration {m.source}/{m.name} was edited")
                continue
            await conn.execute(m.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (source, version, name, checksum) VALUES ($1, $2, $3, $4)",
                m.source, m.version, m.name, m.checksum,
            )
            applied_now.append(f"{schema}: {m.source}/{m.name}")
    for name in applied_now:
        log.info("applied %s", name)
    return applied_now
