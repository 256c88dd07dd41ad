"""Assessment's consumer: every lifecycle event becomes a stored fact; scores are queries."""

from collections.abc import Sequence

from services.assessment.adapters import repository
from services.assessment.domain.facts import CONSUMED, fact_of, problem_with
from shared.consumer import Batch, Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealDispatched, AppealRedispatched
from shared.unit_of_work import UnitOfWork


async def on_lifecycle_events(uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
    """Store each event's fact once (by identity); mark closed months they may change for a recheck.

    A whole run is three statements: facts are keyed by identity and independent of one
    another, so order inside the run does not change the result.
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
    await repository.record_received(uow.conn, receipts)
    changed = await repository.store_facts(uow.conn, facts)
    await repository.mark_closed_periods(uow.conn, changed)


def handlers(_ctx) -> dict[type, Batch]:
    every_kind = Batch(on_lifecycle_events)  # one object: a whole Kafka batch is one run
    return {kind: every_kind for kind in CONSUMED}
