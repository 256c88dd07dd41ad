"""The public JSON API: disclosed appeals, inquiry with a code, evaluation and the feed.

The inquiry code travels in the `X-Inquiry-Code` header or a POST body, never in the URL:
URLs end up in access logs.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request

from services.publication.adapters import feed, listing, repository
from services.publication.api.errors import NOT_FOUND_DETAIL, as_http
from services.publication.api.schemas import (
    AppealPage,
    EvaluationRecorded,
    EvaluationRequest,
    FeedPage,
    InquiryRequest,
    PublicAppeal,
)
from services.publication.domain.evaluation import EvaluationRefused, Rating, Satisfaction
from services.publication.domain.lifecycle import STATUSES
from services.publication.handlers import inquiry
from services.publication.handlers.evaluation import Evaluator, evaluate
from shared.contracts.identifiers import INQUIRY_CODE_BOUND, TRACKING_NUMBER_PATTERN, canonical
from shared.contracts.vocabulary import AppealType, District
from shared.runtime import Context, ServiceContext
from shared.refusals import invalid

router = APIRouter(prefix="/v1/public", tags=["public"])

TrackingNumberPath = Annotated[str, Path(pattern=TRACKING_NUMBER_PATTERN,
                                         description="The tracking number given at acceptance")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": NOT_FOUND_DETAIL}, 429: {"description": "Too many inquiry attempts"}}


def client_of(request: Request) -> str:
    # Behind a proxy this is the proxy; trusting X-Forwarded-For needs a configured proxy list.
    return request.client.host if request.client else "unknown"


def checked_code(code: str | None, field: str) -> str | None:
    """The code in intake's canonical form, or a refusal naming the field (never echoing the code)."""
    if code is None:
        return None
    canonical_form = canonical(code)
    if not INQUIRY_CODE_BOUND.match(canonical_form):
        raise invalid(field, "an inquiry code is 4-32 letters and digits")
    return canonical_form


async def _shown(ctx: ServiceContext, tracking_number: str, code: str | None, client: str) -> PublicAppeal:
    try:
        row = await inquiry.look_up(ctx, tracking_number, code, client)
    except inquiry.TooManyAttempts as exc:  # NotFound: shared/http.py's 404
        raise as_http(exc) from None
    return PublicAppeal.of(row, await repository.timeline(ctx.pool, row["appeal_id"]))


@router.get("/appeals", response_model=AppealPage)
async def list_appeals(
    ctx: Context,
    appeal_type: Annotated[AppealType | None, Query(alias="type")] = None,
    district: District | None = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AppealPage:
    """Disclosed appeals, newest first; private ones are never listed."""
    filters = listing.Filters(appeal_type=appeal_type and appeal_type.value, district=district and district.value,
                              statuses=(status,) if status else ())
    rows = await listing.list_disclosed(ctx.pool, filters, limit=page_size, offset=(page - 1) * page_size)
    return AppealPage(items=[PublicAppeal.of(r) for r in rows], page=page, page_size=page_size)


@router.get("/appeals/{tracking_number}", response_model=PublicAppeal, responses=_NOT_FOUND)
async def get_public_appeal(
    tracking_number: TrackingNumberPath, request: Request, ctx: Context,
    x_inquiry_code: Annotated[str | None, Header(max_length=40)] = None,
):
    """A disclosed appeal with its timeline; a private one only with `X-Inquiry-Code`."""
    code = checked_code(x_inquiry_code, "X-Inquiry-Code")
    return await _shown(ctx, tracking_number, code, client_of(request))


@router.post("/appeals/{tracking_number}/inquiry", response_model=PublicAppeal, responses=_NOT_FOUND)
async def inquire(tracking_number: TrackingNumberPath, body: InquiryRequest, request: Request, ctx: Context):
    """The same as the GET with the code in the body (for clients that cannot set headers)."""
    code = checked_code(body.inquiry_code, "inquiry_code")
    return await _shown(ctx, tracking_number, code, client_of(request))


@router.post("/appeals/{tracking_number}/evaluation", response_model=EvaluationRecorded, status_code=201,
             responses={**_NOT_FOUND, 409: {"description": "Not replied yet, rated already, or too late"}})
async def evaluate_appeal(tracking_number: TrackingNumberPath, body: EvaluationRequest, request: Request,
                          ctx: Context):
    """The petitioner rates the reply once, within the window.

    Needs `evaluation_token` (sent by SMS with the reply) or, for a private appeal, `inquiry_code`.
    Without a valid one the answer is the same 404 as for an unknown number.
    """
    code = checked_code(body.inquiry_code, "inquiry_code")
    who = Evaluator(via=body.via, client=client_of(request), inquiry_code=code,
                    evaluation_token=body.evaluation_token)
    return await record_evaluation(ctx, tracking_number, body.satisfaction, body.solved, body.comment, who)


async def record_evaluation(ctx: ServiceContext, tracking_number: str, satisfaction: Satisfaction, solved: bool,
                            comment: str | None, who: Evaluator) -> EvaluationRecorded:
    try:
        event = await evaluate(ctx, tracking_number, Rating(satisfaction, solved), comment, who)
    except (inquiry.TooManyAttempts, EvaluationRefused) as exc:  # NotFound: shared/http.py's 404
        raise as_http(exc) from None
    return EvaluationRecorded(tracking_number=tracking_number, satisfaction=event.satisfaction, solved=event.solved,
                              reopen_requested=event.reopen_requested, evaluated_at=event.evaluated_at)


@router.get("/feed", response_model=FeedPage)
async def public_feed(ctx: Context, after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> FeedPage:
    """Every public change in commit order; keep `next_after` and ask again."""
    entries = await feed.read(ctx.pool, after, limit)
    return FeedPage(items=[{"seq": seq, **body} for seq, body in entries],
                    next_after=entries[-1][0] if entries else after)
