"""The leaders' dashboard: each group's ranking with rank change, each unit's trend, the rates
as charts (Apache ECharts, vendored in services/assessment/static and served here; nothing from
the internet). Chinese by default, English with ?lang=en. The tables (with a server-drawn SVG
trend line per unit) are complete without JavaScript; the charts add to them.
"""

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.assessment import reports
from services.assessment.api.dashboard_labels import LABELS, group_title
from services.assessment.api.errors import invalid
from services.assessment.api.selection import PERIOD
from services.assessment.domain.periods import has_started, period_of
from shared.contracts.local_time import SHANGHAI
from services.assessment.domain.scoring import GROUPS, RATE_NAMES
from shared.runtime import Context

router = APIRouter(tags=["dashboard"])
STATIC = Path(__file__).parent.parent / "static"
SERVED = {"echarts.min.js": "text/javascript", "dashboard.js": "text/javascript",
          "echarts-LICENSE.txt": "text/plain", "echarts-NOTICE.txt": "text/plain"}
TREND_MONTHS = 6
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))
SPARK = {"width": 96, "height": 22}
SPARK_FLOOR = 50


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _spark(scores: list[float | None]) -> str:
    """An SVG polyline of a unit's scores over the months (gaps where it had none), drawn on
    SPARK_FLOOR..100 so that the few points a month moves are visible."""
    w, h = SPARK["width"], SPARK["height"]
    floor = min([SPARK_FLOOR, *(s for s in scores if s is not None)])
    step = w / max(len(scores) - 1, 1)
    segments: list[list[str]] = []
    current: list[str] = []
    for i, s in enumerate(scores):
        if s is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{i * step:.1f},{h - 2 - (h - 4) * (s - floor) / max(100 - floor, 1):.1f}")
    if current:
        segments.append(current)
    # A lone month is a dot: a zero-length line with round caps.
    return " ".join(f"M{' L'.join(seg)}" + (" l0.1,0" if len(seg) == 1 else "") for seg in segments if seg)


def _groups(rows: list[dict], trend: dict[str, list[float | None]], lang: str) -> list[dict]:
    names = sorted({r["group"] for r in rows}, key=lambda g: (GROUPS.index(g) if g in GROUPS else 99, g))
    groups = []
    for name in names:
        units = [{**r, "trend": trend.get(r["unit_code"], []), "spark": _spark(trend.get(r["unit_code"], []))}
                 for r in rows if r["group"] == name]
        groups.append({"name": name, "title": group_title(name, lang), "units": units,
                       "scored": sum(1 for u in units if u["score"] is not None)})
    return groups


def _chart_data(groups: list[dict], months: list[str]) -> dict:
    return {"months": months, "groups": [
        {"name": g["name"], "units": [
            {"unit_code": u["unit_code"], "score": u["score"], "trend": u["trend"],
             "rates": {k: None if v is None else round(v * 100, 1) for k, v in u["rates"].items()}}
            for u in g["units"] if u["score"] is not None]}
        for g in groups]}


@router.get("/dashboard", response_class=HTMLResponse, summary="Rankings, trends and rate charts of a month")
async def dashboard(ctx: Context,
                    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
                    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh") -> HTMLResponse:
    now = ctx.clock.now()
    period = period or period_of(now)
    if not has_started(period, now):
        raise invalid("period", f"period {period} has not started yet")
    report = await reports.month_report(ctx.pool, period, now)
    months, trend = await reports.trend(ctx.pool, period, TREND_MONTHS, now)
    groups = _groups(report.rows(), trend, lang)
    closed = report.closing
    t = LABELS[lang]
    html = _TEMPLATES.get_template("dashboard.html").render(
        t=t, lang=lang, other_lang="en" if lang == "zh" else "zh", period=period, months=months,
        weights_version=report.weights.version,
        weights={k: report.weights.weights[k] for k in RATE_NAMES if report.weights.weights.get(k)},
        deductions=dict(report.weights.deductions),
        as_of=report.as_of.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"), undecided=report.undecided,
        answered_at_intake=report.answered_at_intake,
        closed=closed is not None, publication_id=closed["publication_id"] if closed else None,
        groups=groups, pct=_pct, spark=SPARK,
        chart_data=json.dumps(_chart_data(groups, months), ensure_ascii=False).replace("</", "<\\/"),
    )
    return HTMLResponse(html)


@router.get("/dashboard/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    if name not in SERVED:
        raise HTTPException(404, detail=f"no such file: {name}")
    return FileResponse(STATIC / name, media_type=SERVED[name],
                        headers={"Cache-Control": "public, max-age=86400"})
