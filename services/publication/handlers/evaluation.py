"""Satisfaction evaluation: the petitioner (or an operator after a return call) rates a reply once.

The rating is stored, the read model updated and AppealEvaluated emitted in one transaction;
assessment scores it, routing reopens the appeal when `reopen_requested` is set.
"""

from dataclasses import dataclass

from services.publication.adapters import evaluations, repository
from services.publication.domain import read_model
from services.publication.domain.evaluation import EvaluationRefused, Rating, asks_to_reopen, check_may_evaluate
from services.publication.domain.redaction import NameTags, redact
from services.publication.handlers import inquiry
from services.publication.handlers.publishing import publish, settle
from shared.contracts.events import AppealEvaluated
from shared.runtime import ServiceContext


@dataclass(frozen=True)
class Evaluator:
    """Who rates: the petitioner on the web (client address, maybe a code) or an operator."""

    via: str  # web, app, phone_callback, operator
    client: str = ""
    inquiry_code: str | None = None
    operator: str | None = None


async def evaluate(ctx: ServiceContext, tracking_number: str, rating: Rating, comment: str | None,
                   who: Evaluator) -> AppealEvaluated:
    """Record one rating; NotFound / TooManyAttempts / EvaluationRefused say why not."""
    if who.operator is None:
        # Checks the code (and counts the attempt) outside the transaction below, so a
        # refused guess is still counted.
        await inquiry.look_up(ctx, tracking_number, who.inquiry_code, who.client)
    async with ctx.units_of_work() as uow:
        row = await repository.get(uow.conn, tracking_number, for_update=True)
        if row is None or row["private"] is None:
            raise inquiry.NotFound()
        now = ctx.clock.now()
        replied_at = check_may_evaluate(row, now)
        names = NameTags(frozenset(row["name_tags"] or ()))
        clean_comment = redact(comment, names, ctx.settings.pepper()) if comment else None
        if not await evaluations.record(uow.conn, row["appeal_id"], replied_at, rating.satisfaction,
                                        rating.solved, who.via, clean_comment, who.operator, now):
            raise EvaluationRefused("already_evaluated", "this reply has already been rated")
        event = AppealEvaluated(
            appeal_id=row["appeal_id"], satisfaction=rating.satisfaction, solved=rating.solved, via=who.via,
            unit_code=row["replied_unit_code"], reopen_requested=asks_to_reopen(rating), evaluated_at=now)
        uow.emit(event)
        # The same rule as when AppealEvaluated is read back from the topic (handlers/projection.py).
        read_model.record_evaluation(row, satisfaction=rating.satisfaction, solved=rating.solved, evaluated_at=now)
        view = settle(row)
        await repository.save(uow.conn, [row])
        await repository.add_steps(uow.conn, [(row["appeal_id"], "evaluated", now)])
        await publish(uow, [view] if view else [])
    return event
