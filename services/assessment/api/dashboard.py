"""A server-rendered dashboard: the ranking table per group and inline SVG bar charts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from services.assessment import reports
from services.assessment.api.dashboard_template import PAGE
from services.assessment.api.errors import invalid
from services.assessment.api.selection import PERIOD
from services.assessment.domain.periods import has_started, period_of
from services.assessment.domain.scoring import GROUPS
from shared.runtime import ServiceContext, context_of

router = APIRouter(tags=["dashboard"])
_TEMPLATE = Environment(autoescape=True).from_string(PAGE)
TITLES = {"municipal_department": "市直部门 Municipal departments", "district_government": "区县政府 District governments",
          "enterprise": "公共服务企业 Enterprises", "stationed_unit": "驻沈单位 Stationed units"}
CHART = {"width": 560, "label_width": 120, "bar_width": 400, "row": 22}


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _groups(rows: list[dict]) -> list[dict]:
    names = sorted({r["group"] for r in rows}, key=lambda g: (GROUPS.index(g) if g in GROUPS else 99, g))
    groups = []
    for name in names:
        units = [r for r in rows if r["group"] == name]
        bars = [{"unit_code": u["unit_code"], "score": u["score"], "y": i * CHART["row"],
                 "score_width": round(CHART["bar_width"] * u["score"] / 100, 1),
                 "satisfaction_width": round(CHART["bar_width"] * (u["rates"]["satisfaction"] or 0), 1),
                 "response_width": round(CHART["bar_width"] * (u["rates"]["response"] or 0), 1)}
                for i, u in enumerate(x for x in units if x["score"] is not None)]
        groups.append({"name": name, "title": TITLES.get(name, name), "units": units, "bars": bars,
                       "chart_height": max(len(bars), 1) * CHART["row"]})
    return groups


@router.get("/dashboard", response_class=HTMLResponse, summary="Ranking tables and charts of a month")
async def dashboard(ctx: Annotated[ServiceContext, Depends(context_of)],
                    period: Annotated[str | None, Query(pattern=PERIOD)] = None) -> HTMLResponse:
    now = ctx.clock.now()
    period = period or period_of(now)
    if not has_started(period, now):
        raise invalid("period", f"period {period} has not started yet")
    report = await reports.month_report(ctx.pool, period, now)
    closed = report.closing
    html = _TEMPLATE.render(
        period=period, weights_version=report.weights.version, weights=dict(report.weights.weights),
        closed=closed is not None, publication_id=closed["publication_id"] if closed else None,
        groups=_groups(report.rows()), chart=CHART, pct=_pct,
    )
    return HTMLResponse(html)
