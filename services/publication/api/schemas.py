"""What the public API answers with: redacted, non-personal fields only."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.publication.domain.evaluation import COMMENT_MAX_LENGTH
from services.publication.domain.lifecycle import expected_at, public_status
from services.publication.domain.row import PublicRow

InquiryCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=40)]
EvaluationToken = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=40,
                                                   pattern=r"^[0-9A-Za-z\- ]+$")]


class Step(BaseModel):
    step: str
    at: datetime


class PublicAppeal(BaseModel):
    tracking_number: str
    appeal_type: str
    category: str
    district: str
    status: str
    unit_name: str | None
    expected_at: datetime | None
    deadline_met: bool | None = None
    summary: str | None = None
    reply: str | None = None
    reply_outcome: str | None = None
    satisfaction: str | None = None
    accepted_at: datetime | None = None
    updated_at: datetime
    timeline: list[Step] = []

    @classmethod
    def of(cls, row: PublicRow, timeline: list[dict] | None = None) -> "PublicAppeal":
        fields = {k: row.get(k) for k in cls.model_fields if k not in ("status", "timeline")}
        fields["expected_at"] = expected_at(row)
        return cls(**fields, status=public_status(row), timeline=[Step(**s) for s in timeline or ()])


class AppealPage(BaseModel):
    items: list[PublicAppeal]
    page: int
    page_size: int


class InquiryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inquiry_code: InquiryCode


class EvaluationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    solved: bool
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=COMMENT_MAX_LENGTH)] | None = None
    inquiry_code: InquiryCode | None = Field(None, description="Private appeals: the inquiry code")
    evaluation_token: EvaluationToken | None = Field(
        None, description="The one-time evaluation token sent to the petitioner with the reply")
    via: Literal["web", "app"] = "web"


class OperatorEvaluationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    solved: bool
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=COMMENT_MAX_LENGTH)] | None = None
    via: Literal["phone_callback", "operator"] = "phone_callback"


class EvaluationRecorded(BaseModel):
    tracking_number: str
    satisfaction: str
    solved: bool
    reopen_requested: bool
    evaluated_at: datetime


class FeedPage(BaseModel):
    items: list[dict] = Field(description="PublicAppealUpdated bodies, each with its `seq`")
    next_after: int = Field(description="Pass as `after` to continue; unchanged when nothing is new")


class ReturnCall(BaseModel):
    tracking_number: str
    unit_code: str | None
    dissatisfied_ratings: int
    requested_at: datetime


class ReturnCallDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["reopen", "close"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000,
                                             pattern=r"^[^\x00]*$")]


class ReturnCallDecisionRecorded(BaseModel):
    tracking_number: str
    decision: str
    decided_by: str
    decided_at: datetime
