"""Operators' directory and catalogue edits: each one a new version and a UnitDirectoryChanged."""

from datetime import datetime

from services.routing.adapters import directory_store as store
from services.routing.domain import directory_edits as edits
from services.routing.domain.dispatch import Rule, Unit
from shared.refusals import invalid
from shared.contracts.events import UnitDirectoryChanged
from shared.unit_of_work import UnitOfWork


async def _begin(uow: UnitOfWork):
    base = await store.lock_for_edit(uow.conn)
    _, directory, positions = await store.read(uow.conn)
    return base + 1, directory, positions


async def _finish(uow: UnitOfWork, version: int, *, by: str, reason: str, now: datetime,
                  units: tuple[dict, ...] = (), rules: tuple[dict, ...] = ()) -> int:
    change = {"units": list(units), "rules": list(rules)}
    await store.record_version(uow.conn, version, label=f"v{version}", changed_by=by, reason=reason, change=change)
    uow.emit(UnitDirectoryChanged(version=str(version), changed_by=by, reason=reason, units=units, rules=rules,
                                  changed_at=now))
    return version


def _checked(edit, *args):
    """Run a pure directory edit; a refused one becomes a 4xx naming the field."""
    try:
        return edit(*args)
    except edits.InvalidEdit as wrong:
        raise invalid(wrong.field, wrong.reason) from None


async def put_unit(uow: UnitOfWork, unit: Unit, *, by: str, reason: str, now: datetime) -> int:
    version, directory, _ = await _begin(uow)
    _checked(edits.put_unit, directory, unit)
    await store.upsert_unit(uow.conn, unit, version)
    return await _finish(uow, version, by=by, reason=reason, now=now, units=(store.unit_document(unit),))


async def remove_unit(uow: UnitOfWork, code: str, *, by: str, reason: str, now: datetime) -> int:
    version, directory, _ = await _begin(uow)
    _checked(edits.remove_unit, directory, code)
    await store.delete_unit(uow.conn, code)
    return await _finish(uow, version, by=by, reason=reason, now=now, units=({"code": code, "removed": True},))


async def put_rule(uow: UnitOfWork, rule: Rule, position: int | None, *, by: str, reason: str, now: datetime) -> int:
    version, directory, positions = await _begin(uow)
    _, new_positions = _checked(edits.put_rule, directory, rule, positions, position)
    await store.upsert_rule(uow.conn, rule, new_positions[rule.id], version)
    return await _finish(uow, version, by=by, reason=reason, now=now,
                         rules=(store.rule_document(rule, new_positions[rule.id]),))


async def remove_rule(uow: UnitOfWork, rule_id: str, *, by: str, reason: str, now: datetime) -> int:
    version, directory, _ = await _begin(uow)
    _checked(edits.remove_rule, directory, rule_id)
    await store.delete_rule(uow.conn, rule_id)
    return await _finish(uow, version, by=by, reason=reason, now=now, rules=({"id": rule_id, "removed": True},))
