"""Assessment's consumer: every lifecycle event becomes a stored fact; scores are queries."""

from collections.abc import Sequence

from services.assessment.adapters import repository, verdicts as verdicts_sql
from services.assessment.domain.facts import CONSUMED, fact_of, problem_with
from services.assessment.domain.report import verdict_rows, verdicts
from shared.consumer import Batch, Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealDispatched, AppealRedispatched
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
    await verdicts_sql.lock_appeals(uow.conn, {f.appeal_id for f in facts})
    await repository.record_received(uow.conn, receipts)
    changed = await repository.store_facts(uow.conn, facts)
    await rejudge(uow.conn, changed)
    await repository.mark_closed_periods(uow.conn, changed)


async def rejudge(conn, appeal_ids) -> None:
    """Judge the appeals from all their stored facts and replace their verdict rows."""
    if appeal_ids:
        ids = sorted(appeal_ids)
        rows = verdict_rows(verdicts(await verdicts_sql.facts_of_appeals(conn, ids)))
        await verdicts_sql.replace(conn, ids, rows)


def handlers(_ctx) -> dict[type, Batch]:
    every_kind = Batch(on_lifecycle_events)  # one object: a whole Kafka batch is one run
    return {kind: every_kind for kind in CONSUMED}
