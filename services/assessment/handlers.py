"""Assessment's consumer: every lifecycle event becomes a stored fact; scores are queries."""

from services.assessment.adapters import repository
from services.assessment.domain.facts import CONSUMED, fact_of, problem_with
from shared.consumer import Handler, Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealDispatched, AppealRedispatched
from shared.unit_of_work import UnitOfWork


async def on_lifecycle_event(uow: UnitOfWork, envelope: Envelope) -> None:
    """Store the event's fact once (by identity); mark closed months it may change for a recheck."""
    fact = fact_of(envelope.data, envelope.id, envelope.type)
    if fact is None:
        return
    problem = problem_with(fact)
    if problem:
        raise Rejected(problem)
    if isinstance(envelope.data, AppealDispatched | AppealRedispatched):
        # The walking skeleton's receipt log, kept: operators and the e2e suite read it.
        await repository.record_received(uow.conn, fact.appeal_id, fact.unit_code, fact.period, fact.occurred_at)
    changed = await repository.store_facts(uow.conn, [fact])
    await repository.mark_closed_periods(uow.conn, changed)


def handlers(_ctx) -> dict[type, Handler]:
    return {kind: on_lifecycle_event for kind in CONSUMED}
