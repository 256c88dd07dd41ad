"""A unit's drill-down: for every number, the appeals behind it, and for every appeal its events."""

from uuid import UUID

from services.assessment.adapters import repository
from services.assessment.reports import Report


async def drill_down(conn, report: Report, unit_code: str) -> dict:
    row = next((r for r in report.rows() if r["unit_code"] == unit_code), None)
    counts = report.counts
    numbers: dict[str, list[str]] = {name: [] for name in (
        "received", "signed_on_time", "completion_decided", "completed_on_time", "rated", "resolved",
        "satisfied", "returned", "reopened", "overdue", "supervised", "completed", "co_handled",
        "co_contributed")}
    appeals, wanted = [], set()
    for verdict in report.verdicts:
        held = verdict.held
        if held and held.unit_code == unit_code and counts(held.period, held.received_at):
            a = str(held.appeal_id)
            flags = {
                "received": True, "signed_on_time": held.signed_on_time,
                "completion_decided": held.completed_on_time is not None, "completed_on_time": bool(held.completed_on_time),
                "rated": held.resolved is not None, "resolved": bool(held.resolved), "satisfied": bool(held.satisfied),
                "reopened": held.reopened > 0, "overdue": held.overdue, "supervised": held.supervision_level > 0,
                "completed": held.working_days is not None,
            }
            for name, on in flags.items():
                if on:
                    numbers[name].append(a)
            ids = [i for group in held.evidence.values() for i in group]
            wanted.update(ids)
            appeals.append({
                "appeal_id": a, "tracking_number": held.tracking_number, "role": "holder",
                "received_at": held.received_at.isoformat(), "signed_on_time": held.signed_on_time,
                "completed_on_time": held.completed_on_time, "resolved": held.resolved,
                "satisfied": held.satisfied, "reopened": held.reopened, "overdue": held.overdue,
                "supervision_level": held.supervision_level, "working_days": held.working_days,
                "evidence": {k: [str(i) for i in v] for k, v in held.evidence.items()}, "events": ids,
            })
        for letter in verdict.lost:
            if letter.unit_code == unit_code and counts(letter.period, letter.received_at):
                numbers["returned"].append(str(letter.appeal_id))
                wanted.update(letter.event_ids)
                appeals.append({"appeal_id": str(letter.appeal_id), "role": "returned",
                                "received_at": letter.received_at.isoformat(), "events": list(letter.event_ids)})
        for part in verdict.co_handling:
            if part.unit_code == unit_code and counts(part.period, part.received_at):
                numbers["co_handled"].append(str(part.appeal_id))
                if part.contributed:
                    numbers["co_contributed"].append(str(part.appeal_id))
                wanted.update(part.event_ids)
                appeals.append({"appeal_id": str(part.appeal_id), "role": "co_handler",
                                "lead_unit_code": part.lead_unit_code, "contributed": part.contributed,
                                "received_at": part.received_at.isoformat(), "events": list(part.event_ids)})
    excluded = [{"appeal_id": str(v.appeal_id), "reason": v.excluded} for v in report.verdicts
                if v.excluded and any(u == unit_code and _in(report, p) for u, p in v.letters)]
    events = await repository.events_by_id(conn, wanted)
    for appeal in appeals:
        appeal["events"] = [_event(events.get(i), i) for i in appeal["events"]]
    return {"period": report.label, "unit_code": unit_code, "weights_version": report.weights.version,
            "summary": row, "numbers": numbers, "appeals": appeals, "excluded": excluded}


def _in(report: Report, period: str) -> bool:
    return ".." in report.label or period == report.label


def _event(row: dict | None, event_id: UUID) -> dict:
    if row is None:
        return {"event_id": str(event_id)}
    return {"event_id": str(event_id), "kind": row["kind"], "type": row["event_type"],
            "unit_code": row["unit_code"] or None, "occurred_at": row["occurred_at"].isoformat()}
