"""Intake's use cases: acceptance of submissions, routing's handling state, operators' review."""

from services.intake.handlers.handling import on_closed, on_reopened, on_replied
from services.intake.handlers.submission import (
    ConcurrentSubmission,
    InvalidSubmission,
    Outcome,
    accept_submission,
)
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealClosed, AppealReopened, AppealReplied, SubmitAppeal
from shared.runtime import ServiceContext

__all__ = ["ConcurrentSubmission", "InvalidSubmission", "Outcome", "accept_submission", "handlers_for"]


def handlers_for(ctx: ServiceContext) -> dict:
    """The consumer's handlers; they take time and the pepper from the running service."""

    async def on_submission(uow, envelope: Envelope[SubmitAppeal]) -> None:
        try:
            # A Kafka record has no reply channel, so no inquiry code is issued (README).
            await accept_submission(uow, envelope.data, now=ctx.clock.now(),
                                    pepper=ctx.settings.pepper(), answers_caller=False)
        except ConcurrentSubmission:
            # The HTTP entrance stored the same channel message meanwhile (the insert waited
            # for its commit): the submission is decided, there is nothing left to do.
            return

    return {SubmitAppeal: on_submission, AppealReplied: on_replied,
            AppealClosed: on_closed, AppealReopened: on_reopened}
