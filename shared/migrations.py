"""Numbered .sql migrations per schema, run by `hotline migrate`, never at service start-up.

Each schema gets the shared delivery tables first, then its service's own files. Applied
files are recorded with a checksum; editing an applied file is refused rather than ignored, and
so is a database that applied a file no longer here: it would keep what that file made (an index,
a column) while new databases lack it. A file deleted on purpose is listed in RETIRED with the
SQL that undoes it, which `hotline migrate --undo-retired` runs.
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


@dataclass(frozen=True)
class Retired:
    """A migration file deleted after some databases had applied it, and how to undo it."""

    name: str
    undo: str
    why: str


RETIRED: dict[tuple[str, int], Retired] = {
    ("shared", 2): Retired("002_outbox_key.sql", "DROP INDEX IF EXISTS outbox_key",
                           "sending events from memory was reverted (5f0f44b); nothing reads the index"),
}


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


async def migrate(conn: asyncpg.Connection, schema: str, service_folder: Path, *,
                  undo_retired: bool = False) -> list[str]:
    """Bring `schema` up to date; return the names of the files applied (or retired) now."""
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
        unknown = sorted(set(done) - {(m.source, m.version) for m in plan})
        if unknown and undo_retired and all(key in RETIRED for key in unknown):
            for source, version in unknown:
                await conn.execute(RETIRED[source, version].undo)
                await conn.execute("DELETE FROM schema_migrations WHERE source = $1 AND version = $2",
                                   source, version)
                applied_now.append(f"{schema}: {source}/{RETIRED[source, version].name} undone (retired)")
        elif unknown:
            raise MigrationError(_unknown_applied(schema, unknown))
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


def _unknown_applied(schema: str, unknown: list[tuple[str, int]]) -> str:
    """Why the database is refused, and how to fix it, for each applied migration not known here."""
    lines = [f"{schema}: the database applied migrations that no file here declares:"]
    for source, version in unknown:
        retired = RETIRED.get((source, version))
        if retired:
            lines.append(f"  {source}/{retired.name}: retired ({retired.why}); run `hotline migrate "
                         f"--undo-retired` to undo it ({retired.undo}) and forget it")
        else:
            lines.append(
                f"  {source} {version:03d}: unknown to this code (deleted, or a newer release applied it). "
                f"Run the release that has it, or restore the file (`git log --all -- '*/{version:03d}_*.sql'`); "
                f"if it was deleted on purpose, undo what it made by hand, run DELETE FROM "
                f"{schema}.schema_migrations WHERE source = '{source}' AND version = {version}, "
                f"and list it in shared.migrations.RETIRED")
    return "\n".join(lines)
