"""Scores of a month or date range (JSON and CSV) and a unit's drill-down."""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from services.assessment.adapters import repository
from services.assessment.api.drilldown import PAGE, drill_down
from services.assessment.api.selection import Selection
from services.assessment.reports import Report
from shared.auth import Principal, require
from shared.refusals import forbidden, not_found

router = APIRouter(prefix="/v1", tags=["scores"])

CSV_COLUMNS = (
    "period", "as_of", "unit_code", "group", "received", "score", "rank", "rank_change",
    "response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate",
    "response_undecided", "on_time_undecided", "response_decided", "signed_on_time", "completion_decided", "completed_on_time", "rated", "resolved", "satisfied",
    "returned", "reopened", "overdue", "supervised", "supervised_level_1", "supervised_level_2",
    "supervised_level_3", "completed", "average_working_days", "co_handled", "co_contributed",
    "deductions_total", "weights_version", "return_called", "supervision_ordered", "orders_unanswered",
)


def _body(report: Report) -> dict:
    closed = report.closing
    return {
        "period": report.label,
        "weights_version": report.weights.version,
        "weights": dict(report.weights.weights),
        "deductions": dict(report.weights.deductions),
        "as_of": report.as_of.isoformat(),
        "undecided": report.undecided,
        # The 12345 centre's own work: appeals closed at intake by a knowledge-base answer
        # (直接办结), counted in the month they were answered; never in a unit's numbers.
        "answered_at_intake": report.answered_at_intake,
        "closed": closed is not None,
        "publication_id": str(closed["publication_id"]) if closed else None,
        "units": report.rows(),
    }


def _csv(report: Report) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows():
        rates, levels = r["rates"], r["supervision_levels"]
        writer.writerow([
            report.label, report.as_of.isoformat(), r["unit_code"], r["group"], r["received"], r["score"], r["rank"],
            r["rank_change"], rates["response"], rates["on_time"], rates["resolution"], rates["satisfaction"],
            r["undecided"]["response"], r["undecided"]["on_time"], r["response_decided"], r["signed_on_time"], r["completion_decided"], r["completed_on_time"], r["rated"], r["resolved"],
            r["satisfied"], r["returned"], r["reopened"], r["overdue"], r["supervised"],
            levels["1"], levels["2"], levels["3"], r["completed"], r["average_working_days"], r["co_handled"],
            r["co_contributed"], round(sum(r["deductions"].values()), 4), report.weights.version,
            r["return_called"], r["supervision_ordered"], r["orders_unanswered"],
        ])
    name = report.label.replace("..", "_")
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="scores-{name}.csv"'})


@router.get("/scores", summary="Per-unit metrics, scores and ranks of a month or a date range")
async def scores(selection: Annotated[Selection, Depends()],
                 format: Annotated[str, Query(pattern="^(json|csv)$")] = "json"):  # noqa: A002 - the API's word
    report = await selection.report()
    return _csv(report) if format == "csv" else _body(report)


@router.get("/scores.csv", summary="The same as CSV", response_class=Response)
async def scores_csv(selection: Annotated[Selection, Depends()]) -> Response:
    return _csv(await selection.report())


@router.get("/units/{unit_code}/scores", summary="A unit's numbers and the appeals and events behind each")
async def unit_scores(
    unit_code: Annotated[str, Path(pattern=r"^[A-Z][A-Z0-9_-]{1,31}$")],
    # The token first: an anonymous caller learns nothing from validation of its query.
    principal: Annotated[Principal, Depends(require("operator", "supervisor", "admin", "unit"))],
    selection: Annotated[Selection, Depends()],
    offset: Annotated[int, Query(ge=0, le=100_000_000, description="First appeal of the page (appeals in order of receipt)")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Appeals per page, with their events")] = PAGE,
) -> dict:
    if not principal.may_act_for(unit_code):
        raise forbidden(f"a unit token for {principal.unit_code} may not read {unit_code}'s numbers")
    if not await repository.is_known_unit(selection.ctx.pool, unit_code):
        raise not_found(f"unit {unit_code} has never received an appeal")
    report = await selection.report()
    return await drill_down(selection.ctx.pool, report, unit_code, offset, limit)
