"""Satisfaction evaluation: only the petitioner (or an operator after a return call) rates a reply once.

The petitioner proves who they are with a credential only they hold: the evaluation token
intake sent them by SMS with the reply (any appeal), or the inquiry code (private appeals).
Without one, with a wrong or expired one, or for an unknown number the answer is the same
NotFound; every attempt counts against the inquiry limits (per number, per client).

The rating is stored, the read model updated and AppealEvaluated emitted in one transaction;
assessment scores it, routing reopens the appeal when `reopen_requested` is set, or leaves it
to the centre's return call (ReturnCallRequested) after a second dissatisfied rating.
"""

import asyncio
from dataclasses import dataclass

from services.publication.adapters import evaluations, repository
from services.publication.domain import read_model
from services.publication.domain.evaluation import EvaluationRefused, Rating, after_rating, check_may_evaluate
from services.publication.domain.redaction import NameTags, redact
from services.publication.handlers import inquiry
from services.publication.handlers.publishing import publish, settle
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealEvaluated, EvaluationInvited, ReturnCallRequested
from shared.one_time import EVALUATION_PURPOSE, keyed_hash
from shared.runtime import ServiceContext
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Evaluator:
    """Who rates: the petitioner on the web or app (client address, a credential) or an operator."""

    via: str  # web, app, phone_callback, operator
    client: str = ""
    inquiry_code: str | None = None
    evaluation_token: str | None = None
    operator: str | None = None


async def petitioner_may_rate(ctx: ServiceContext, tracking_number: str, who: Evaluator) -> None:
    """NotFound unless the caller holds this appeal's token or (private) its inquiry code."""
    if not (who.evaluation_token or who.inquiry_code):
        raise inquiry.NotFound()  # nothing to guess with: not counted, like an inquiry without a code
    await inquiry.check_limits(ctx, tracking_number, who.client)  # every credential offered is a guess
    row = await repository.get(ctx.pool, tracking_number)
    known = row is not None and row["private"] is not None
    if who.evaluation_token:
        offered = keyed_hash(ctx.settings.pepper(), EVALUATION_PURPOSE, who.evaluation_token)
        if row is not None and known and await evaluations.token_valid(ctx.pool, row["appeal_id"], offered, ctx.clock.now()):
            return
    elif who.inquiry_code:
        stored = row["inquiry_code_hash"] if row is not None and known and row["private"] else None
        # Verified against a dummy hash when there is none, so timing does not tell.
        if await asyncio.to_thread(inquiry.code_matches, stored, who.inquiry_code, ctx.settings.pepper()):
            return
    raise inquiry.NotFound()


async def evaluate(ctx: ServiceContext, tracking_number: str, rating: Rating, comment: str | None,
                   who: Evaluator) -> AppealEvaluated:
    """Record one rating; NotFound / TooManyAttempts / EvaluationRefused say why not."""
    if who.operator is None:
        # Checked (and counted) outside the transaction below, so a refused guess still counts.
        await petitioner_may_rate(ctx, tracking_number, who)
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
        dissatisfied = await evaluations.dissatisfied_count(uow.conn, row["appeal_id"])
        outcome = after_rating(rating, dissatisfied)
        event = AppealEvaluated(
            appeal_id=row["appeal_id"], satisfaction=rating.satisfaction, solved=rating.solved, via=who.via,
            unit_code=row["replied_unit_code"], reopen_requested=outcome == "reopen",
            return_call=outcome == "return_call", evaluated_at=now)
        uow.emit(event)
        if outcome == "return_call" and await evaluations.open_return_call(
                uow.conn, row["appeal_id"], tracking_number, row["replied_unit_code"], dissatisfied, now):
            uow.emit(ReturnCallRequested(appeal_id=row["appeal_id"], tracking_number=tracking_number,
                                         unit_code=row["replied_unit_code"], dissatisfied_ratings=dissatisfied,
                                         requested_at=now))
        # The same rule as when AppealEvaluated is read back from the topic (handlers/projection.py).
        read_model.record_evaluation(row, satisfaction=rating.satisfaction, solved=rating.solved, evaluated_at=now)
        view = settle(row)
        await repository.save(uow.conn, [row])
        await repository.add_steps(uow.conn, [(row["appeal_id"], "evaluated", now)])
        await publish(uow, [view] if view else [])
    return event


async def on_evaluation_invited(uow: UnitOfWork, envelope: Envelope[EvaluationInvited]) -> None:
    """Keep the hash of the token intake sent the petitioner (never the token itself)."""
    invited = envelope.data
    await evaluations.add_token(uow.conn, invited.appeal_id, invited.token_hash, invited.replied_at,
                                invited.expires_at)
