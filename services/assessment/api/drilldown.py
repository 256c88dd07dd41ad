"""A unit's drill-down: for every number, the appeals behind it, and for every appeal its events.

Reads only the unit's own verdict rows of the period and the facts of those appeals (for the
evidence), so it costs the unit's letters, not the month's events.
"""

from typing import Any
from uuid import UUID

from services.assessment.adapters import verdicts as verdicts_sql
from services.assessment.domain.report import verdicts
from services.assessment.domain.verdicts import CO_HANDLER, EXCLUDED, HOLDER, RETURNED, VerdictRow
from services.assessment.reports import Report

PAGE = 200
NUMBERS = ("received", "response_decided", "signed_on_time", "completion_decided", "completed_on_time", "rated",
           "resolved", "satisfied", "returned", "reopened", "overdue", "supervised", "completed", "co_handled",
           "co_contributed", "return_called", "supervision_ordered", "orders_unanswered")


async def drill_down(conn, report: Report, unit_code: str, offset: int = 0, limit: int = PAGE) -> dict:
    """Every number's appeals (all of them, from the verdict rows), and one page of the appeals
    with their events (facts read and judged for that page only)."""
    row = next((r for r in report.rows() if r["unit_code"] == unit_code), None)
    if report.period:
        letters = await verdicts_sql.rows_of_unit(conn, report.period, unit_code)
    else:
        assert report.span is not None, "a report without a period covers a span"
        since, until = report.span
        letters = await verdicts_sql.rows_in_range(conn, since, until, unit_code=unit_code)
    letters.sort(key=lambda r: (r.received_at, str(r.appeal_id)))
    counted = [r for r in letters if r.role != EXCLUDED]
    page = {id(r) for r in counted[offset:offset + limit]}
    facts = await verdicts_sql.facts_of_appeals(conn, {r.appeal_id for r in counted[offset:offset + limit]})
    judged = {v.appeal_id: v for v in verdicts(facts)}
    # The evidence's events are among these facts: no second query by event id (not indexed).
    events = {f.event_id: {"kind": f.kind, "event_type": f.event_type, "unit_code": f.unit_code,
                           "occurred_at": f.occurred_at} for f in facts}
    now = report.as_of
    numbers: dict[str, list[str]] = {name: [] for name in NUMBERS}
    appeals: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    for letter in letters:
        a, verdict = str(letter.appeal_id), judged.get(letter.appeal_id)
        if letter.role != EXCLUDED and id(letter) not in page:
            _count(numbers, letter, now)
            continue
        if letter.role == EXCLUDED:
            excluded.append({"appeal_id": a, "reason": letter.reason})
        elif letter.role == HOLDER:
            flags = _holder_flags(letter, now)
            for name, on in flags.items():
                if on:
                    numbers[name].append(a)
            evidence = verdict.held.evidence if verdict and verdict.held else {}
            ids = [i for group in evidence.values() for i in group]
            appeals.append({
                "appeal_id": a, "tracking_number": letter.tracking_number, "role": "holder",
                "received_at": letter.received_at.isoformat(),
                "response_ends_at": letter.response_ends_at.isoformat() if letter.response_ends_at else None,
                "signed_on_time": flags["signed_on_time"], "response_decided": flags["response_decided"],
                "completed_on_time": _completion(letter, now), "due_at": letter.due_at.isoformat() if letter.due_at else None,
                "resolved": letter.resolved, "satisfied": letter.satisfied, "reopened": letter.reopened,
                "overdue": letter.overdue, "supervision_level": letter.supervision_level,
                "working_days": letter.working_days, "return_called": letter.return_called,
                "supervision_orders": letter.supervision_orders, "orders_unanswered": letter.orders_unanswered,
                "evidence": {k: [str(i) for i in v] for k, v in evidence.items()}, "events": ids,
            })
        elif letter.role == RETURNED:
            numbers["returned"].append(a)
            lost = next((x for x in (verdict.lost if verdict else ()) if x.unit_code == unit_code
                         and x.received_at == letter.received_at), None)
            ids = list(lost.event_ids) if lost else []
            appeals.append({"appeal_id": a, "role": "returned", "received_at": letter.received_at.isoformat(),
                            "events": ids})
        elif letter.role == CO_HANDLER:
            numbers["co_handled"].append(a)
            if letter.contributed:
                numbers["co_contributed"].append(a)
            part = next((x for x in (verdict.co_handling if verdict else ()) if x.unit_code == unit_code), None)
            ids = list(part.event_ids) if part else []
            appeals.append({"appeal_id": a, "role": "co_handler", "lead_unit_code": letter.lead_unit_code,
                            "contributed": bool(letter.contributed), "received_at": letter.received_at.isoformat(),
                            "events": ids})
    for appeal in appeals:
        appeal["events"] = [_event(events.get(i), i) for i in appeal["events"]]
    following = offset + limit
    return {"period": report.label, "unit_code": unit_code, "weights_version": report.weights.version,
            "as_of": now.isoformat(), "summary": row, "numbers": numbers,
            "appeals_total": len(counted), "offset": offset, "limit": limit,
            "next_offset": following if following < len(counted) else None,
            "appeals": appeals, "excluded": excluded}


def _count(numbers: dict[str, list[str]], letter: VerdictRow, now) -> None:
    """A letter outside the page: only its place in the numbers."""
    a = str(letter.appeal_id)
    if letter.role == HOLDER:
        for name, on in _holder_flags(letter, now).items():
            if on:
                numbers[name].append(a)
    elif letter.role == RETURNED:
        numbers["returned"].append(a)
    elif letter.role == CO_HANDLER:
        numbers["co_handled"].append(a)
        if letter.contributed:
            numbers["co_contributed"].append(a)


def _completion(letter: VerdictRow, now) -> bool | None:
    if letter.completed_on_time is not None:
        return letter.completed_on_time
    return False if letter.due_at is not None and letter.due_at <= now else None


def _holder_flags(letter: VerdictRow, now) -> dict[str, bool]:
    completion = _completion(letter, now)
    signed_on_time = (letter.signed_at is not None and letter.response_ends_at is not None
                      and letter.signed_at <= letter.response_ends_at)  # a holder's row has its window
    return {
        "received": True,
        "response_decided": letter.signed_at is not None or letter.response_ends_at <= now,
        "signed_on_time": signed_on_time,
        "completion_decided": completion is not None, "completed_on_time": bool(completion),
        "rated": letter.resolved is not None, "resolved": bool(letter.resolved), "satisfied": bool(letter.satisfied),
        "reopened": letter.reopened > 0, "overdue": letter.overdue, "supervised": letter.supervision_level > 0,
        "completed": letter.working_days is not None, "return_called": letter.return_called,
        "supervision_ordered": letter.supervision_orders > 0, "orders_unanswered": letter.orders_unanswered > 0,
    }


def _event(row: dict | None, event_id: UUID) -> dict:
    if row is None:
        return {"event_id": str(event_id)}
    return {"event_id": str(event_id), "kind": row["kind"], "type": row["event_type"],
            "unit_code": row["unit_code"] or None, "occurred_at": row["occurred_at"].isoformat()}
