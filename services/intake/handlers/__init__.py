"""Intake's use cases: acceptance of submissions, routing's handling state, operators' review."""

from collections.abc import Sequence

from services.intake.classifier import current
from services.intake.handlers.forgetting import lead_units
from services.intake.handlers.handling import Replies, on_closed, on_reopened
from services.intake.handlers.submission import (
    ConcurrentSubmission,
    Outcome,
    accept_submission,
    accept_submissions,
)
from shared.consumer import Batch
from shared.contracts.envelope import Envelope
from shared.contracts.events import (
    AppealClosed,
    AppealDispatched,
    AppealRedispatched,
    AppealReopened,
    AppealReplied,
    AppealReturned,
    SubmitAppeal,
)
from shared.runtime import ServiceContext

__all__ = ["ConcurrentSubmission", "Outcome", "accept_submission", "accept_submissions",
           "handlers_for"]


def handlers_for(ctx: ServiceContext) -> dict:
    """The consumer's handlers; they take time and the pepper from the running service."""

    async def on_submissions(uow, envelopes: Sequence[Envelope[SubmitAppeal]]) -> None:
        try:
            # A Kafka record has no reply path: a private appeal's code reaches the petitioner
            # by SMS only (README).
            await accept_submissions(uow, [(e.data, ctx.clock.now()) for e in envelopes],
                                     pepper=ctx.settings.pepper(), answers_caller=False, classifier=current(ctx))
        except ConcurrentSubmission:
            # The HTTP entrance stored one of these channel messages meanwhile (the insert
            # waited for its commit). Alone, that submission is decided and nothing is left
            # to do; in a run, others may have been decided against it, so the consumer
            # applies the run again one event at a time.
            if len(envelopes) > 1:
                raise

    letters = Batch(lead_units)  # one object: a Kafka batch of letters is one run
    return {SubmitAppeal: Batch(on_submissions), AppealReplied: Replies(ctx.settings.pepper()).on_replied,
            AppealClosed: on_closed, AppealReopened: on_reopened,
            # the lead unit, the one unit that may read the petitioner's contact
            **dict.fromkeys((AppealDispatched, AppealRedispatched, AppealReturned), letters)}
