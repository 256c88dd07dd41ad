"""SQL for intake's classifier: models, taxonomy versions, training examples from operators."""

import hashlib
import json
from datetime import datetime
from uuid import UUID

import asyncpg

from services.intake.domain.text_model import Example, TextModel


async def store_model(conn: asyncpg.Connection, model: TextModel, payload: bytes, from_reviews: int) -> None:
    await conn.execute(
        "INSERT INTO classifier_models (version, trained_at, examples, from_reviews, threshold, figures, sha256, "
        "payload) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT (version) DO NOTHING",
        model.version, datetime.fromisoformat(model.trained_at), model.examples, from_reviews, model.threshold,
        json.dumps(model.figures), hashlib.sha256(payload).hexdigest(), payload)


async def newest_model_version(conn: asyncpg.Connection) -> str | None:
    return await conn.fetchval("SELECT version FROM classifier_models ORDER BY stored_at DESC LIMIT 1")


async def newest_model(conn: asyncpg.Connection) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT version, from_reviews, sha256, payload FROM classifier_models ORDER BY stored_at DESC LIMIT 1")


async def models(conn: asyncpg.Connection, limit: int = 20) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT version, trained_at, examples, from_reviews, threshold, figures, stored_at FROM classifier_models "
        "ORDER BY stored_at DESC LIMIT $1", limit)


async def newest_taxonomy(conn: asyncpg.Connection) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT version, document, changed_by, reason, changed_at FROM taxonomy_versions ORDER BY seq DESC LIMIT 1")


async def store_taxonomy(conn: asyncpg.Connection, document: dict, *, by: str, reason: str, at: datetime) -> bool:
    """False when the version is taken (a version names one document for ever)."""
    stored = await conn.fetchval(
        "INSERT INTO taxonomy_versions (version, document, changed_by, reason, changed_at) "
        "VALUES ($1, $2::jsonb, $3, $4, $5) ON CONFLICT (version) DO NOTHING RETURNING seq",
        document["version"], json.dumps(document, ensure_ascii=False), by, reason, at)
    return stored is not None


async def add_example(conn: asyncpg.Connection, appeal_id: UUID, label: str, *, by: str, at: datetime) -> None:
    """The operator's classification of this appeal's text becomes (or replaces) its training example."""
    await conn.execute(
        "INSERT INTO training_examples (appeal_id, text, label, decided_by, decided_at) "
        "SELECT appeal_id, description, $2, $3, $4 FROM appeals WHERE appeal_id = $1 "
        "ON CONFLICT (appeal_id) DO UPDATE SET label = EXCLUDED.label, decided_by = EXCLUDED.decided_by, "
        "decided_at = EXCLUDED.decided_at",
        appeal_id, label, by, at)


async def review_examples(conn: asyncpg.Connection) -> list[Example]:
    rows = await conn.fetch("SELECT text, label FROM training_examples ORDER BY decided_at, appeal_id")
    return [Example(r["text"], r["label"]) for r in rows]


async def count_examples(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM training_examples")
