"""Satisfaction evaluation: who may rate, when, and what a rating asks for."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeGuard

from services.publication.domain.row import PublicRow
from shared.refusals import Refusal, Refused

Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
SATISFACTIONS: tuple[str, ...] = ("satisfied", "basically_satisfied", "dissatisfied")


def is_satisfaction(value: object) -> TypeGuard[Satisfaction]:
    """A form's value is one of the three ratings (the HTML form is not validated by a model)."""
    return value in SATISFACTIONS


# How long after a reply the petitioner may still rate it (data, not a rule of nature).
EVALUATION_WINDOW = timedelta(days=30)
COMMENT_MAX_LENGTH = 500


RefusalCode = Literal["not_replied", "already_evaluated", "window_closed"]


class EvaluationRefused(Refused):
    """The rating cannot be recorded now (a conflict with the appeal's state): `code` is the
    stable word clients switch on, `reason` says why for people."""

    def __init__(self, code: RefusalCode, reason: str) -> None:
        super().__init__(Refusal.CONFLICT, reason)
        self.code: RefusalCode = code


@dataclass(frozen=True)
class Rating:
    satisfaction: Satisfaction
    solved: bool


def check_may_evaluate(row: PublicRow, now: datetime, window: timedelta = EVALUATION_WINDOW) -> datetime:
    """The reply being rated, or why no rating is possible now."""
    replied_at = row.get("replied_at")
    reopened_at = row.get("reopened_at")
    if replied_at is None or (reopened_at is not None and reopened_at > replied_at):
        raise EvaluationRefused("not_replied", "the appeal has no reply to rate yet")
    evaluated_at = row.get("evaluated_at")
    if evaluated_at is not None and evaluated_at >= replied_at:
        raise EvaluationRefused("already_evaluated", "this reply has already been rated")
    if now > replied_at + window:
        raise EvaluationRefused("window_closed",
                                f"ratings are taken within {window.days} days of the reply")
    return replied_at


def asks_to_reopen(rating: Rating) -> bool:
    """A dissatisfied petitioner whose problem is not solved asks for the appeal to be reopened."""
    return rating.satisfaction == "dissatisfied" and not rating.solved


def after_rating(rating: Rating, dissatisfied_so_far: int) -> Literal["close", "reopen", "return_call"]:
    """What a rating leads to. `dissatisfied_so_far` counts this appeal's ratings that asked to
    reopen, this one included.

    A dissatisfied, unsolved rating reopens the appeal once; after that the 12345 centre calls the
    petitioner back (差评二次回访) and decides, so one petitioner cannot keep an appeal open for
    ever and a unit is not sent the same complaint again without a person looking at it.
    """
    if not asks_to_reopen(rating):
        return "close"
    return "reopen" if dissatisfied_so_far <= 1 else "return_call"
