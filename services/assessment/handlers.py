"""Assessment's consumer: every lifecycle event becomes a stored fact; scores are queries."""

from collections.abc import Sequence
from typing import Any

from services.assessment.adapters import repository, verdicts as verdicts_sql
from services.assessment.domain.facts import CONSUMED, fact_of, problem_with
from services.assessment.domain.report import verdict_rows, verdicts
from shared.consumer import Batch, Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealDispatched, AppealRedispatched, Event
from shared.runtime import ServiceContext
from shared.unit_of_work import UnitOfWork


async def on_lifecycle_events(uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
    """Store each event's fact once (by identity), judge again the appeals that got a new fact,
    replace their verdict rows and move their units' totals; mark closed months for a recheck.

    Facts are keyed by identity and an appeal is judged from all its facts, so the order of
    events inside the run (or across runs) does not change the result.
    """
    facts, receipts = [], []
    for envelope in envelopes:
        fact = fact_of(envelope.data, envelope.id, envelope.type)
        if fact is None:
            continue
        problem = problem_with(fact)
        if problem:
            raise Rejected(problem)  # the consumer re-applies one by one and parks only this event
        facts.append(fact)
        if isinstance(envelope.data, AppealDispatched | AppealRedispatched):
            # The walking skeleton's receipt log, kept: operators and the e2e suite read it.
            receipts.append(fact)
    await apply_facts(uow.conn, facts, receipts)


async def apply_facts(conn, facts, receipts=()) -> None:
    """Four statements per batch: lock the appeals, store the facts (reading back every fact of
    the appeals that got a new one), take out their old verdict rows, put in the new rows with
    the totals' difference and the closed months to recheck."""
    await verdicts_sql.lock_appeals(conn, {f.appeal_id for f in facts})
    stored = await repository.store_and_read(conn, facts, receipts)
    if stored:
        ids = sorted({f.appeal_id for f in stored})
        periods = {f.period for f in stored if f.period}
        await verdicts_sql.replace(conn, ids, verdict_rows(verdicts(stored)), periods)


def handlers(_ctx: ServiceContext) -> dict[type[Event], Any]:
    # Batch objects (a run of events applied at once); the spec's type names one-event handlers.
    every_kind = Batch(on_lifecycle_events)  # one object: a whole Kafka batch is one run
    return {kind: every_kind for kind in CONSUMED}
