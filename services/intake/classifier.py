"""Intake's classifier in a running service: load once, keep current, retrain in the background.

The model and the taxonomy live in intake's schema (adapters/classifier_store.py). A replica
loads the newest of each before its consumers start (`prepare`), then looks for newer ones every
`classifier_poll_seconds`; every `classifier_retrain_seconds` one replica (an advisory lock)
retrains when operators' review decisions arrived since the newest model. Training runs in a
worker thread, so the event loop keeps taking appeals meanwhile. The same loop reloads the
knowledge base and dispatches answers at intake nobody confirmed within `answer_wait_seconds`.

No model, or one that cannot be read: intake classifies with the taxonomy's keyword rules, logs
why, and says so in /readyz (`details.classifier`). It never guesses with a broken model.
"""

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import asyncpg

from services.intake.adapters import classifier_store as store
from services.intake.adapters import knowledge_store
from services.intake.adapters.corpus import heldout, training_corpus
from services.intake.domain.classification import Classifier, shipped_taxonomy
from services.intake.domain.knowledge import KnowledgeBase
from services.intake.domain.taxonomy import InvalidTaxonomy, Taxonomy, parse_taxonomy
from services.intake.domain.text_model import CorruptModel, TextModel, fit, loads
from shared.db import connection
from shared.loops import run_forever
from shared.refusals import Refusal, Refused
from shared.runtime import ServiceContext

log = logging.getLogger(__name__)
KEY = "classifier"
KNOWLEDGE = "knowledge"
# pg_try_advisory_lock key: one replica retrains at a time
_TRAINING_LOCK = 0x1_2345_C1A5


@dataclass(frozen=True)
class Loaded:
    classifier: Classifier
    mode: str  # "model" or "keyword_rules"
    reason: str  # why keyword rules, or which model
    taxonomy_source: str  # "database" or "shipped"
    from_reviews: int = 0

    def details(self) -> dict:
        c = self.classifier
        return {"mode": self.mode, "reason": self.reason,
                "model_version": c.model.version if c.model else None,
                "threshold": c.model.threshold if c.model else None,
                "taxonomy_version": c.taxonomy.version, "taxonomy_source": self.taxonomy_source}


async def load(conn: asyncpg.Connection) -> Loaded:
    taxonomy, source = await _taxonomy(conn)
    row = await store.newest_model(conn)
    if row is None:
        return Loaded(Classifier(taxonomy), "keyword_rules", "no trained model (run `hotline classifier train`)",
                      source)
    payload = bytes(row["payload"])
    try:
        if hashlib.sha256(payload).hexdigest() != row["sha256"]:
            raise CorruptModel("the stored payload does not match its sha256")
        model = await asyncio.to_thread(loads, payload)
    except CorruptModel as broken:
        return Loaded(Classifier(taxonomy), "keyword_rules", f"model {row['version']} unusable: {broken}", source)
    return Loaded(Classifier(taxonomy, model), "model", f"model {model.version}", source, row["from_reviews"])


async def _taxonomy(conn: asyncpg.Connection) -> tuple[Taxonomy, str]:
    row = await store.newest_taxonomy(conn)
    if row is None:
        return shipped_taxonomy(), "shipped"
    try:
        return parse_taxonomy(json.loads(row["document"])), "database"
    except InvalidTaxonomy as wrong:  # checked when stored; a vocabulary change may have outdated it
        log.error("stored taxonomy %s no longer valid (%s); using the shipped one", row["version"], wrong)
        return shipped_taxonomy(), "shipped"


def current(ctx: ServiceContext) -> Classifier | None:
    loaded: Loaded | None = ctx.state.get(KEY)
    return loaded.classifier if loaded else None


def install(ctx: ServiceContext, loaded: Loaded) -> None:
    before: Loaded | None = ctx.state.get(KEY)
    ctx.state[KEY] = loaded
    if before is None or before.details() != loaded.details():
        if loaded.mode == "model":
            log.info("intake classifier: %s, taxonomy %s", loaded.reason, loaded.classifier.taxonomy.version)
        else:
            log.warning("intake classifier: keyword rules only: %s", loaded.reason)


async def prepare(ctx: ServiceContext) -> None:
    async with connection(ctx.pool) as conn:
        install(ctx, await load(conn))
        await reload_knowledge(ctx, conn)


async def reload_knowledge(ctx: ServiceContext, conn: asyncpg.Connection) -> None:
    """The knowledge base in force, for matching consultations (answers at intake)."""
    ctx.state[KNOWLEDGE] = KnowledgeBase(tuple(entry for entry, _ in await knowledge_store.entries_in_force(conn)))


def knowledge(ctx: ServiceContext) -> KnowledgeBase | None:
    return ctx.state.get(KNOWLEDGE)


def readiness_details(ctx: ServiceContext) -> dict:
    loaded: Loaded | None = ctx.state.get(KEY)
    return {"classifier": loaded.details()} if loaded else {}


async def train(pool: asyncpg.Pool, now: datetime) -> tuple[TextModel, int]:
    """Train on the shipped corpus plus every operator decision, record the held-out figures, store."""
    async with connection(pool) as conn:
        reviewed = await store.review_examples(conn)
        taxonomy, _ = await _taxonomy(conn)
    model, payload = await asyncio.to_thread(_fit_and_measure, training_corpus() + reviewed, taxonomy, now)
    async with connection(pool) as conn:
        await store.store_model(conn, model, payload, len(reviewed))
    return model, len(reviewed)


def _fit_and_measure(examples, taxonomy: Taxonomy, now: datetime) -> tuple[TextModel, bytes]:
    model = fit(examples, trained_at=now)
    figures = Classifier(taxonomy, model).evaluate(heldout()).as_dict()
    model = replace(model, figures={"heldout": figures})
    return model, model.dumps()


async def keep_current(ctx: ServiceContext) -> None:
    """The background loop: reload what another replica (or the command) stored, retrain on new
    operators' decisions, reload the knowledge base, dispatch answers nobody confirmed."""
    settings = ctx.settings
    every = settings.classifier_poll_seconds
    since_retrain = 0.0

    async def step() -> None:
        nonlocal since_retrain
        since_retrain += every
        if settings.classifier_retrain_seconds and since_retrain >= settings.classifier_retrain_seconds:
            since_retrain = 0.0
            await _retrain_if_new_decisions(ctx)
        await _reload_if_changed(ctx)
        async with connection(ctx.pool) as conn:
            await reload_knowledge(ctx, conn)
        await _dispatch_unanswered_offers(ctx)

    await run_forever("intake", "classifier upkeep", step, every=every, first_delay=every)


async def _dispatch_unanswered_offers(ctx: ServiceContext) -> None:
    """An answer nobody said solved the question within the wait is dispatched as any appeal."""
    from services.intake.handlers import answers

    before = ctx.clock.now() - timedelta(seconds=ctx.settings.answer_wait_seconds)
    async with connection(ctx.pool) as conn:
        waiting = await knowledge_store.waiting_since(conn, before)
    for appeal_id in waiting:
        try:
            async with ctx.units_of_work() as uow:
                await answers.conclude(uow, appeal_id, solved=False, by="no-answer-timeout", now=ctx.clock.now(),
                                       by_operator=True, any_channel=True)
        except Refused as refused:
            if refused.kind is not Refusal.CONFLICT:
                raise
            # concluded meanwhile by the petitioner or the operator


async def _reload_if_changed(ctx: ServiceContext) -> None:
    loaded: Loaded | None = ctx.state.get(KEY)
    async with connection(ctx.pool) as conn:
        version = await store.newest_model_version(conn)
        taxonomy = await store.newest_taxonomy(conn)
        if loaded is not None:
            model_now = loaded.classifier.model.version if loaded.classifier.model else None
            taxonomy_now = loaded.classifier.taxonomy.version if loaded.taxonomy_source == "database" else None
            if version == model_now and (taxonomy["version"] if taxonomy else None) == taxonomy_now \
                    and (loaded.mode == "model" or version is None):
                return
        install(ctx, await load(conn))


async def _retrain_if_new_decisions(ctx: ServiceContext) -> None:
    async with connection(ctx.pool) as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _TRAINING_LOCK):
            return  # another replica is training
        try:
            loaded: Loaded | None = ctx.state.get(KEY)
            decisions = await store.count_examples(conn)
            if loaded is not None and loaded.mode == "model" and decisions <= loaded.from_reviews:
                return
            model, reviewed = await train(ctx.pool, ctx.clock.now())
            log.info("intake classifier: retrained %s on %d examples (%d from operators)",
                     model.version, model.examples, reviewed)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _TRAINING_LOCK)
