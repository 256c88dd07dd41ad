"""Sending a transfer letter: the one place that writes a letter and its event."""

from datetime import datetime

import asyncpg

from services.routing.adapters import repository
from services.routing.domain.dispatch import Directory, Unit
from shared.refusals import invalid
from shared.contracts.events import AppealDispatched, AppealRedispatched
from shared.contracts.vocabulary import AppealType, RequestSubtype
from shared.unit_of_work import UnitOfWork

MANUAL_RULE = "manual:operator"
UPHELD_RULE = "review:upheld"


def units_for(directory: Directory, unit_code: str, co_unit_codes: tuple[str, ...]) -> tuple[Unit, tuple[Unit, ...]]:
    """The lead and co-handling units an operator named, all known second-level units."""
    named = [("unit_code", unit_code)] + [("co_unit_codes", c) for c in co_unit_codes]
    for field, code in named:
        unit = directory.units.get(code)
        if unit is None:
            raise invalid(field, f"unknown unit code {code!r}")
        if unit.level != 2:
            raise invalid(field, f"{code} is the platform itself, not a unit to dispatch to")
    if unit_code in co_unit_codes or len(set(co_unit_codes)) != len(co_unit_codes):
        raise invalid("co_unit_codes", "co-handling units are distinct and do not include the lead unit")
    return directory.units[unit_code], tuple(directory.units[c] for c in co_unit_codes)


async def send_first_letter(uow: UnitOfWork, transfer: asyncpg.Record, lead: Unit, co: tuple[Unit, ...], *,
                            rule_id: str, reason: str | None, sent_by: str, now: datetime, version: int) -> None:
    """Letter number 1 (from the catalogue, or by hand from the dispatch queue)."""
    appeal_id = transfer["appeal_id"]
    await repository.update_transfer(
        uow.conn, appeal_id, now, state="dispatched", unit_code=lead.code, unit_name=lead.name_zh,
        co_unit_codes=[u.code for u in co], rule_id=rule_id, attempt=1, dispatched_at=now,
        unit_trail=[lead.code], waiting_reason=None, directory_version=version)
    await repository.insert_letter(uow.conn, appeal_id=appeal_id, attempt=1, unit_code=lead.code,
                                   co_unit_codes=[u.code for u in co], rule_id=rule_id, reason=reason,
                                   sent_by=sent_by, sent_at=now)
    uow.emit(AppealDispatched(
        appeal_id=appeal_id, tracking_number=transfer["tracking_number"], unit_code=lead.code,
        unit_name=lead.name_zh, unit_group=lead.group, co_unit_codes=tuple(u.code for u in co), rule_id=rule_id,
        appeal_type=AppealType(transfer["appeal_type"]),
        subtype=RequestSubtype(transfer["subtype"]) if transfer["subtype"] else None,
        category=transfer["category"], district=transfer["district"], attempt=1, dispatched_at=now,
    ))


async def send_again(uow: UnitOfWork, transfer: asyncpg.Record, lead: Unit, co: tuple[Unit, ...], *,
                     rule_id: str, reason: str, sent_by: str, now: datetime, version: int) -> int:
    """A re-dispatch (after a return, or by hand after an escalation); returns the letter's number."""
    appeal_id, attempt = transfer["appeal_id"], transfer["attempt"] + 1
    await repository.update_transfer(
        uow.conn, appeal_id, now, state="dispatched", unit_code=lead.code, unit_name=lead.name_zh,
        co_unit_codes=[u.code for u in co], rule_id=rule_id, attempt=attempt, dispatched_at=now,
        unit_trail=[*transfer["unit_trail"], lead.code], redispatches=transfer["redispatches"] + 1,
        waiting_reason=None, signed_at=None, directory_version=version)
    await repository.insert_letter(uow.conn, appeal_id=appeal_id, attempt=attempt, unit_code=lead.code,
                                   co_unit_codes=[u.code for u in co], rule_id=rule_id, reason=reason,
                                   sent_by=sent_by, sent_at=now)
    uow.emit(AppealRedispatched(
        appeal_id=appeal_id, from_unit_code=transfer["unit_code"], unit_code=lead.code, unit_name=lead.name_zh,
        unit_group=lead.group, co_unit_codes=tuple(u.code for u in co), reason=reason, attempt=attempt,
        redispatched_at=now, tracking_number=transfer["tracking_number"], rule_id=rule_id,
    ))
    return attempt
