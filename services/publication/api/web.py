"""The public web page: server-rendered HTML (jinja2, autoescaped), plain forms, no scripts,
no assets from elsewhere; Chinese by default, English with ?lang=en."""

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.publication.adapters import listing, repository
from services.publication.api.public import client_of
from services.publication.domain import labels
from services.publication.domain.evaluation import (
    COMMENT_MAX_LENGTH,
    SATISFACTIONS,
    EvaluationRefused,
    Rating,
    is_satisfaction,
)
from shared.contracts.identifiers import INQUIRY_CODE_BOUND, TRACKING_NUMBER
from shared.contracts.identifiers import canonical as canonical_code
from services.publication.domain.lifecycle import STATUSES, expected_at, public_status
from shared.contracts.local_time import SHANGHAI
from services.publication.handlers import inquiry
from services.publication.handlers.evaluation import Evaluator, evaluate
from services.publication.domain.row import PublicRow
from shared.contracts.vocabulary import AppealType, District
from shared.runtime import Context, ServiceContext

router = APIRouter(prefix="/public", tags=["web"], include_in_schema=False)
PAGE_SIZE = 20
_REFUSALS_ZH = {"not_replied": "该办件尚未答复，暂不能评价。", "already_evaluated": "该答复已评价过。",
                "window_closed": "已超过评价期限。"}
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(default=True, default_for_string=True))


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _render(name: str, lang: str, status: int = 200, **values) -> HTMLResponse:
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh
    html = _templates.get_template(name).render(lang=lang, t=t, **values)
    return HTMLResponse(html, status_code=status)


def _time(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _card(row: PublicRow, lang: str) -> dict[str, object]:
    return {
        "tracking_number": row["tracking_number"], "summary": row.get("summary"), "unit_name": row.get("unit_name"),
        # shown rows are disclosed, so intake's acceptance classified them
        "type_name": labels.type_name(row["appeal_type"] or "", lang),
        "category_name": labels.category_name(row["category"] or "", lang),
        "district_name": labels.district_name(row["district"] or "", lang),
        "status_name": labels.status_name(public_status(row), lang),
        "reply": row.get("reply"), "expected": _time(expected_at(row)), "deadline_met": row.get("deadline_met"),
        "satisfaction": row.get("satisfaction"), "satisfaction_name": labels.satisfaction_name(row.get("satisfaction"), lang),
        "may_evaluate": public_status(row) == "replied",
    }


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


@router.get("", response_class=HTMLResponse)
async def recent_appeals(request: Request, ctx: Context) -> HTMLResponse:
    lang, params = _lang(request), request.query_params
    chosen = {"type": _choice(params.get("type"), {t.value for t in AppealType}),
              "district": _choice(params.get("district"), {d.value for d in District}),
              "status": _choice(params.get("status"), STATUSES)}
    page = int(params["page"]) if params.get("page", "").isdigit() and 0 < int(params["page"]) < 10_000 else 1
    filters = listing.Filters(appeal_type=chosen["type"], district=chosen["district"],
                              statuses=(chosen["status"],) if chosen["status"] else ())
    rows = await listing.list_disclosed(ctx.pool, filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v) + f"&lang={lang}"
    return _render(
        "list.html", lang, appeals=[_card(r, lang) for r in rows[:PAGE_SIZE]], chosen=chosen, page=page,
        more=len(rows) > PAGE_SIZE, prev_url=f"/public?{query}&page={page - 1}", next_url=f"/public?{query}&page={page + 1}",
        types=[(t.value, labels.type_name(t.value, lang)) for t in AppealType],
        districts=[(d.value, labels.district_name(d.value, lang)) for d in District],
        statuses=[(s, labels.status_name(s, lang)) for s in STATUSES])


async def _appeal_page(ctx: ServiceContext, row: PublicRow, lang: str, code: str | None = None, *,
                       message: str | None = None, ok: bool = False, status: int = 200,
                       comment: str | None = None) -> HTMLResponse:
    card = _card(row, lang)
    card["timeline"] = [{"at": _time(s["at"]), "name": labels.status_name(s["step"], lang)}
                        for s in await repository.timeline(ctx.pool, row["appeal_id"])]
    return _render("appeal.html", lang, status, a=card, code=code, message=message, ok=ok, comment=comment,
                   satisfactions=[(s, labels.satisfaction_name(s, lang)) for s in SATISFACTIONS])


def _not_found(lang: str, status: int = 404) -> HTMLResponse:
    # The same page for an unknown number, a private appeal without its code and a rating
    # without the petitioner's evaluation code: nothing tells which part was wrong.
    return _render("inquiry.html", lang, status, message=(
        "No appeal with this tracking number can be shown, or the code does not match; a private appeal "
        "needs its inquiry code, a rating the evaluation code sent with the reply."
        if lang == "en" else "未找到可显示的办件，或所填的码不正确；隐私办件需输入查询码，评价需输入答复短信中的评价码。"))


def _too_many(lang: str, retry_after: int) -> HTMLResponse:
    response = _render("inquiry.html", lang, 429, message=(
        "Too many attempts; please try again later." if lang == "en" else "查询次数过多，请稍后再试。"))
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/appeals/{tracking_number}", response_class=HTMLResponse)
async def appeal_page(tracking_number: str, request: Request, ctx: Context) -> HTMLResponse:
    lang = _lang(request)
    if not TRACKING_NUMBER.match(tracking_number):
        return _not_found(lang)
    try:
        row = await inquiry.look_up(ctx, tracking_number, None, client_of(request))
    except inquiry.NotFound:
        return _not_found(lang)
    return await _appeal_page(ctx, row, lang)


@router.get("/inquiry", response_class=HTMLResponse)
async def inquiry_form(request: Request) -> HTMLResponse:
    return _render("inquiry.html", _lang(request))


@router.post("/inquiry", response_class=HTMLResponse)
async def inquire(request: Request, ctx: Context) -> HTMLResponse:
    lang, form = _lang(request), await request.form()
    tracking_number = str(form.get("tracking_number") or "").strip().upper()
    code = canonical_code(str(form.get("inquiry_code") or "")) or None
    if not TRACKING_NUMBER.match(tracking_number) or (code is not None and not INQUIRY_CODE_BOUND.match(code)):
        return _not_found(lang, 400)
    try:
        row = await inquiry.look_up(ctx, tracking_number, code, client_of(request))
    except inquiry.NotFound:
        return _not_found(lang)
    except inquiry.TooManyAttempts as exc:
        return _too_many(lang, exc.retry_after)
    return await _appeal_page(ctx, row, lang, code)


@router.post("/appeals/{tracking_number}/evaluation", response_class=HTMLResponse)
async def evaluate_form(tracking_number: str, request: Request, ctx: Context) -> HTMLResponse:
    lang, form = _lang(request), await request.form()
    code = canonical_code(str(form.get("inquiry_code") or "")) or None
    if not TRACKING_NUMBER.match(tracking_number) or (code is not None and not INQUIRY_CODE_BOUND.match(code)):
        return _not_found(lang, 400)
    satisfaction, solved = form.get("satisfaction"), form.get("solved")
    comment = str(form.get("comment") or "").strip() or None
    token = str(form.get("evaluation_token") or "").strip()[:40] or None
    problem = None
    if not is_satisfaction(satisfaction) or solved not in ("true", "false"):
        problem = "Choose a rating and whether the problem was solved." if lang == "en" else "请选择满意度和是否解决。"
    elif comment is not None and len(comment) > COMMENT_MAX_LENGTH:
        problem = (f"The comment is longer than {COMMENT_MAX_LENGTH} characters." if lang == "en"
                   else f"意见不能超过{COMMENT_MAX_LENGTH}字。")
    try:
        if problem is not None or not is_satisfaction(satisfaction):
            row = await inquiry.look_up(ctx, tracking_number, code, client_of(request))
            return await _appeal_page(ctx, row, lang, code, message=problem, status=422, comment=comment)
        await evaluate(ctx, tracking_number, Rating(satisfaction, solved == "true"), comment,
                       Evaluator(via="web", client=client_of(request), inquiry_code=code, evaluation_token=token))
    except inquiry.NotFound:
        return _not_found(lang)
    except inquiry.TooManyAttempts as exc:
        return _too_many(lang, exc.retry_after)
    except EvaluationRefused as refused:
        # evaluate() refuses only after the caller was allowed to see the appeal
        current = await repository.get(ctx.pool, tracking_number)
        if current is None:
            return _not_found(lang)
        message = str(refused) if lang == "en" else _REFUSALS_ZH.get(refused.code, str(refused))
        return await _appeal_page(ctx, current, lang, code, message=message, status=409)
    rated = await repository.get(ctx.pool, tracking_number)
    if rated is None:
        return _not_found(lang)
    return await _appeal_page(ctx, rated, lang, code, status=201, ok=True,
                              message="Thank you, your rating was recorded." if lang == "en" else "感谢您的评价，已记录。")
