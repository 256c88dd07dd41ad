"""A returned letter stops its unit's clock (issue 19, item 3).

Domain: `deadline_state.return_letter` and what every later change does with a returned row.
Handler: `Deadlines.on_returned` / `on_redispatched` / `on_signed` on an in-memory table (the
adapters replaced by dicts), so the whole sequence - dispatched, returned, re-dispatched,
signed by the new unit - is checked without a database (tests/integration has it with one).
"""

import uuid
from datetime import date, timedelta

import pytest
import sla_builders as builders
from sla_builders import RULES, at

from services.sla.domain import deadline_state as state
from services.sla.domain import ladder
from services.sla.handlers import lifecycle
from shared.clock import Clock as SharedClock
from shared.consumer import Rejected
from shared.contracts.envelope import Envelope
from shared.contracts.events import (
    AppealRedispatched,
    AppealReplied,
    AppealReturned,
    AppealSigned,
    ExtensionRequested,
)
from tests.fakes import FakeUnitOfWork
from tests.fakes.sla import FakeCalendars, FakeSlaStore


def dispatched_row(cal, received=at(2026, 3, 2, 10), days=20, unit="SAMR") -> dict:
    return builders.dispatched_row(cal, received, days, unit, early_reminder=True)


# --- the domain ----------------------------------------------------------------------------


def test_a_returned_letter_has_no_next_step(cal):
    row = dispatched_row(cal)
    assert row["next_fire_at"] is not None
    state.return_letter(row, at(2026, 3, 3, 9))
    assert row["state"] == "returned" and row["stopped_at"] == at(2026, 3, 3, 9)
    assert row["next_step"] is None and row["next_fire_at"] is None
    assert row["met"] is None, "a return is neither met nor missed: it was never the unit's appeal"


@pytest.mark.parametrize("now", [at(2026, 3, 30), at(2026, 3, 31), at(2026, 4, 8), at(2026, 4, 15), at(2026, 6, 1)])
def test_replanning_a_returned_row_schedules_nothing_at_any_time(cal, now):
    """Reminder (Mar 30), overdue and level 1 (Mar 31), level 2 (Apr 8), level 3 (Apr 15), later."""
    row = dispatched_row(cal)
    state.return_letter(row, at(2026, 3, 3, 9))
    state.recompute(row, cal, RULES, now)  # a calendar upload or any later recount
    assert row["next_step"] is None and row["next_fire_at"] is None
    assert state.plan_next(row, cal, RULES) == []


def test_a_returned_row_is_not_running_but_awaiting_and_open_rows_are():
    assert {"awaiting_signature", "open"} == state.RUNNING
    assert "returned" not in state.RUNNING and "stopped" not in state.RUNNING


def test_steps_fired_before_the_return_stay_fired(cal):
    row = dispatched_row(cal, days=2, received=at(2026, 3, 2, 10))  # due 24:00 Wed Mar 4
    planned = state.plan(row, cal, RULES)
    fired = [p.step.name for p in ladder.due_now(planned, set(), at(2026, 3, 5, 1))]
    assert "overdue" in fired
    row.update(fired_steps=fired, overdue_since=row["due_at"], supervision_level=1)
    state.return_letter(row, at(2026, 3, 5, 2))
    assert row["fired_steps"] == fired and row["supervision_level"] == 1 and row["overdue_since"] == row["due_at"]
    assert row["next_fire_at"] is None, "level 2 and 3 never come"


def test_an_extension_request_on_a_returned_letter_is_refused(cal):
    row = dispatched_row(cal)
    state.return_letter(row, at(2026, 3, 3, 9))
    assert "returned" in state.extension_refusal(row, at(2026, 3, 3, 10))


@pytest.mark.parametrize(("redispatched", "signed", "starts_on", "due_at"), [
    # Re-dispatched Mon Mar 9, signed the same day: 20 working days from Mar 10, over Qingming
    # (Apr 4-6), end Tue Apr 7.
    (at(2026, 3, 9, 10), at(2026, 3, 9, 15), date(2026, 3, 9), at(2026, 4, 8)),
    # Signed the next day: counted from the day the new unit received the letter (Tue Mar 10).
    (at(2026, 3, 9, 10), at(2026, 3, 10, 9), date(2026, 3, 10), at(2026, 4, 9)),
    # Re-dispatched on a Saturday, signed Monday: the count starts after Monday.
    (at(2026, 3, 14, 10), at(2026, 3, 16, 9), date(2026, 3, 16), at(2026, 4, 15)),
])
def test_a_redispatched_letter_gets_its_own_deadline_from_the_new_units_signing_day(cal, redispatched, signed,
                                                                                      starts_on, due_at):
    row = dispatched_row(cal)
    first_due = row["due_at"]
    state.return_letter(row, at(2026, 3, 3, 9))
    state.restart(row, received_at=redispatched, state="awaiting_signature")
    state.recompute(row, cal, RULES, redispatched)
    assert row["state"] == "awaiting_signature" and row["epoch"] == 2 and row["stopped_at"] is None
    assert row["next_fire_at"] is not None, "the new unit's ladder runs"
    row.update(state="open", received_at=signed)
    state.recompute(row, cal, RULES, signed)
    assert row["starts_on"] == starts_on and row["due_at"] == due_at and row["due_at"] > first_due


# --- the handler, on an in-memory table ----------------------------------------------------


@pytest.fixture
def table(monkeypatch) -> FakeSlaStore:
    return FakeSlaStore().install(monkeypatch)


def handler(table, now) -> lifecycle.Deadlines:
    return lifecycle.Deadlines(RULES, FakeCalendars(), SharedClock(start=now, anchor=0, speed=0))  # type: ignore[arg-type]


def wrap(event) -> Envelope:
    return Envelope.wrap(event, source="/hotline/routing")


def a_letter(table, cal, unit="SAMR") -> uuid.UUID:
    appeal = uuid.uuid4()
    row = dispatched_row(cal, unit=unit)
    row["appeal_id"] = appeal
    table.deadlines[appeal] = row
    return appeal


async def a_returned_letter(table, cal):
    """SAMR's letter, returned by SAMR at 09:00 on Tue Mar 3."""
    appeal = a_letter(table, cal)
    await handler(table, at(2026, 3, 3, 9)).on_returned(FakeUnitOfWork(), wrap(AppealReturned(
        appeal_id=appeal, unit_code="SAMR", reason="x", returned_at=at(2026, 3, 3, 9))))
    return appeal


async def test_on_returned_stops_the_clock_and_announces_nothing(table, cal):
    appeal = a_letter(table, cal)
    await table.extensions_insert(None, extension_id=uuid.uuid4(), appeal_id=appeal, unit_code="SAMR", working_days=5,
                                  reason="x", requested_at=at(2026, 3, 2, 12), status="pending")
    uow = FakeUnitOfWork()
    await handler(table, at(2026, 3, 3, 9)).on_returned(uow, wrap(AppealReturned(
        appeal_id=appeal, unit_code="SAMR", reason="不属于本单位职责", returned_at=at(2026, 3, 3, 9))))
    row = table.deadlines[appeal]
    assert row["state"] == "returned" and row["next_fire_at"] is None and row["stopped_at"] == at(2026, 3, 3, 9)
    assert uow.emitted() == [], "routing's AppealReturned already tells everyone; no DeadlineSet or DeadlineStopped"
    [asked] = table.extensions.values()
    assert (asked["status"], asked["decision_reason"]) == ("withdrawn", "the letter was returned")


async def test_a_return_from_a_unit_that_does_not_hold_the_letter_is_rejected(table, cal):
    appeal = a_letter(table, cal)
    with pytest.raises(Rejected, match="WATER returned an appeal held by SAMR"):
        await handler(table, at(2026, 3, 3)).on_returned(FakeUnitOfWork(), wrap(AppealReturned(
            appeal_id=appeal, unit_code="WATER", reason="x", returned_at=at(2026, 3, 3))))
    assert table.deadlines[appeal]["state"] == "awaiting_signature"


@pytest.mark.parametrize("held", ["open", "stopped", "returned"])
async def test_a_return_of_a_letter_no_longer_waiting_for_signature_changes_nothing(table, cal, held):
    """A redelivery, or a return that lost a race with a signature: routing allows returns only
    before signing, so sla never turns a running or stopped clock into a returned one."""
    appeal = a_letter(table, cal)
    table.deadlines[appeal]["state"] = held
    before = dict(table.deadlines[appeal])
    await handler(table, at(2026, 3, 3)).on_returned(FakeUnitOfWork(), wrap(AppealReturned(
        appeal_id=appeal, unit_code="SAMR", reason="x", returned_at=at(2026, 3, 3))))
    assert table.deadlines[appeal] == before


async def test_a_return_before_the_letter_is_parked(table, cal):
    appeal = uuid.uuid4()
    envelope = wrap(AppealReturned(appeal_id=appeal, unit_code="SAMR", reason="x", returned_at=at(2026, 3, 3)))
    await handler(table, at(2026, 3, 3)).on_returned(FakeUnitOfWork(), envelope)
    assert [p["event_id"] for p in table.parked] == [envelope.id] and appeal not in table.deadlines
    assert handler(table, at(2026, 3, 3)).waiting_for_letter[AppealReturned]


async def test_returned_then_redispatched_then_signed_counts_from_the_new_units_day(table, cal):
    appeal = await a_returned_letter(table, cal)
    uow = FakeUnitOfWork()
    await handler(table, at(2026, 3, 9, 10)).on_redispatched(uow, wrap(AppealRedispatched(
        appeal_id=appeal, from_unit_code="SAMR", unit_code="HEALTH", unit_name="卫健委", reason="医疗收费归卫健委",
        attempt=2, redispatched_at=at(2026, 3, 9, 10))))
    row = table.deadlines[appeal]
    assert (row["state"], row["unit_code"], row["attempt"], row["epoch"]) == ("awaiting_signature", "HEALTH", 2, 2)
    assert [e.reason for e in uow.emitted()] == ["redispatched"]
    uow = FakeUnitOfWork()
    await handler(table, at(2026, 3, 10, 9)).on_signed(uow, wrap(AppealSigned(
        appeal_id=appeal, unit_code="HEALTH", signed_at=at(2026, 3, 10, 9))))
    row = table.deadlines[appeal]
    assert row["state"] == "open" and row["starts_on"] == date(2026, 3, 10) and row["due_at"] == at(2026, 4, 9)
    assert uow.emitted()[0].reason == "signed" and uow.emitted()[0].unit_code == "HEALTH"
    assert row["next_fire_at"] is not None and row["fired_steps"] == []


async def test_an_upheld_return_gives_the_same_unit_a_fresh_clock(table, cal):
    appeal = await a_returned_letter(table, cal)
    await handler(table, at(2026, 3, 4, 9)).on_redispatched(FakeUnitOfWork(), wrap(AppealRedispatched(
        appeal_id=appeal, from_unit_code="SAMR", unit_code="SAMR", unit_name="市场监管局", reason="属于本单位职责",
        attempt=2, redispatched_at=at(2026, 3, 4, 9))))
    row = table.deadlines[appeal]
    assert row["state"] == "awaiting_signature" and row["unit_code"] == "SAMR" and row["epoch"] == 2


async def test_after_a_return_replies_and_extensions_from_the_old_unit_are_not_applied(table, cal):
    appeal = await a_returned_letter(table, cal)
    uow = FakeUnitOfWork()
    await handler(table, at(2026, 3, 3, 10)).on_extension_requested(uow, wrap(ExtensionRequested(
        appeal_id=appeal, unit_code="SAMR", working_days=5, reason="x", requested_at=at(2026, 3, 3, 10))))
    [refused] = table.extensions.values()
    assert refused["status"] == "refused" and "returned" in refused["decision_reason"]
    assert uow.emitted()[0].approved is False
    # A reply cannot follow a return in routing; were one to arrive, the returned clock is not "met".
    await handler(table, at(2026, 3, 3, 11)).on_replied(FakeUnitOfWork(), wrap(AppealReplied(
        appeal_id=appeal, unit_code="SAMR", reply="x", outcome="solved", replied_at=at(2026, 3, 3, 11))))
    assert table.deadlines[appeal]["state"] == "returned" and table.deadlines[appeal]["met"] is None


def test_the_deadline_moves_by_days_not_by_the_return_gap(cal):
    """The days a letter spent returned are not charged to anyone: the new count starts fresh."""
    row = dispatched_row(cal)
    state.return_letter(row, at(2026, 3, 3, 9))
    state.restart(row, received_at=at(2026, 3, 23, 9), state="open")
    state.recompute(row, cal, RULES, at(2026, 3, 23, 9))
    assert row["working_days"] == 20 and row["starts_on"] == date(2026, 3, 23)
    assert row["due_at"] - at(2026, 3, 23) > timedelta(days=20)
