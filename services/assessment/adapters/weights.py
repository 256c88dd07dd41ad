"""SQL for the versioned weights and deductions of the score formula."""

import json

import asyncpg

from services.assessment.domain.scoring import Weights

Conn = asyncpg.Connection | asyncpg.Pool

_CURRENT = "SELECT version, weights, deductions, basis FROM weights_versions ORDER BY id DESC LIMIT 1"
_BY_VERSION = "SELECT version, weights, deductions, basis FROM weights_versions WHERE version = $1"
_ALL = "SELECT version, weights, deductions, basis, note, created_by, created_at FROM weights_versions ORDER BY id"
# Versions are numbered by the table's own sequence, so two admins adding at once get v2 and v3.
_ADD = """
WITH next AS (SELECT nextval(pg_get_serial_sequence('weights_versions', 'id')) AS id)
INSERT INTO weights_versions (id, version, weights, deductions, note, created_by, basis)
SELECT id, 'v' || id, $1::jsonb, $2::jsonb, $3, $4, 'rate' FROM next
RETURNING version
"""


def _weights(row: asyncpg.Record) -> Weights:
    return Weights(row["version"], json.loads(row["weights"]), json.loads(row["deductions"]), row["basis"])


async def current(conn: Conn) -> Weights:
    row = await conn.fetchrow(_CURRENT)
    if row is None:  # migration 002 inserts v1, and versions are never deleted
        raise LookupError("no weights version is stored")
    return _weights(row)


async def by_version(conn: Conn, version: str) -> Weights | None:
    row = await conn.fetchrow(_BY_VERSION, version)
    return _weights(row) if row else None


async def history(conn: Conn) -> list[dict]:
    return [{**dict(r), "weights": json.loads(r["weights"]), "deductions": json.loads(r["deductions"])}
            for r in await conn.fetch(_ALL)]


async def add(conn: Conn, weights: dict, deductions: dict, note: str, created_by: str) -> str:
    return await conn.fetchval(_ADD, json.dumps(weights), json.dumps(deductions), note, created_by)
