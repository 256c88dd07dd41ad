"""What intake learns from routing: whether an accepted appeal is still open (for 并单), and
when a reply must reach the petitioner with a one-time evaluation token."""

from uuid import uuid4

from services.intake.adapters import repository
from services.intake.domain.notifications import international, reply_text
from shared.contracts.envelope import Envelope
from shared.contracts.events import AppealClosed, AppealReopened, AppealReplied, EvaluationInvited, NotifyPetitioner
from shared.one_time import EVALUATION_PURPOSE, EVALUATION_TOKEN_TTL, keyed_hash, new_evaluation_token
from shared.unit_of_work import UnitOfWork


class Replies:
    """A reply goes to the petitioner with the token only they hold; publication learns its hash."""

    def __init__(self, pepper: bytes) -> None:
        self.pepper = pepper

    async def on_replied(self, uow: UnitOfWork, envelope: Envelope[AppealReplied]) -> None:
        replied = envelope.data
        # A replied appeal is no longer open: the same complaint afterwards is a new appeal
        # (or the petitioner's dissatisfaction reopens the old one through routing).
        newer = await repository.set_handling(uow.conn, replied.appeal_id, "replied", replied.replied_at)
        appeal = await repository.petitioner_of(uow.conn, replied.appeal_id)
        if not newer or appeal is None or appeal["petitioner_phone"] is None:
            # an older reply arriving late, an appeal intake did not accept, or one whose
            # petitioner was forgotten (nobody to send the reply to any more)
            return
        token = new_evaluation_token()
        expires_at = replied.replied_at + EVALUATION_TOKEN_TTL
        uow.emit(EvaluationInvited(appeal_id=replied.appeal_id, tracking_number=appeal["tracking_number"],
                                   replied_at=replied.replied_at, expires_at=expires_at,
                                   token_hash=keyed_hash(self.pepper, EVALUATION_PURPOSE, token),
                                   invited_at=replied.replied_at))
        uow.emit(NotifyPetitioner(
            notification_id=uuid4(), kind="reply", phone=international(appeal["petitioner_phone"]),
            appeal_id=replied.appeal_id, tracking_number=appeal["tracking_number"], code=token,
            text=reply_text(appeal["tracking_number"], replied.reply, token, expires_at),
            created_at=replied.replied_at))


async def on_closed(uow: UnitOfWork, envelope: Envelope[AppealClosed]) -> None:
    await repository.set_handling(uow.conn, envelope.data.appeal_id, "closed", envelope.data.closed_at)


async def on_reopened(uow: UnitOfWork, envelope: Envelope[AppealReopened]) -> None:
    await repository.set_handling(uow.conn, envelope.data.appeal_id, "open", envelope.data.reopened_at)
