"""sla's use cases on fakes (tests/fakes): the deadline through routing's lifecycle events and a
supervisor's extension decision, without PostgreSQL or Kafka. The SQL behind them is covered by
tests/integration/test_sla_*."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sla_builders import RULES

from services.sla.handlers.extension_decision import decide_extension
from services.sla.handlers.lifecycle import Deadlines
from shared.clock import Clock
from shared.consumer import Rejected
from shared.contracts.events import (
    AppealDispatched,
    AppealReplied,
    AppealSigned,
    DeadlineSet,
    DeadlineStopped,
    ExtensionDecided,
    ExtensionRequested,
)
from shared.contracts.vocabulary import AppealType
from tests.fakes import FakeUnitOfWork, envelope
from tests.fakes.sla import FakeCalendars, FakeSlaStore

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shenyang, a working day
UNIT = "SAMR"


@pytest.fixture
def store(monkeypatch) -> FakeSlaStore:
    return FakeSlaStore().install(monkeypatch)


def deadlines(now: datetime = MONDAY) -> Deadlines:
    return Deadlines(RULES, FakeCalendars(), Clock(start=now, anchor=0, speed=0))  # type: ignore[arg-type]


def letter(appeal_id=None, attempt: int = 1) -> AppealDispatched:
    return AppealDispatched(
        appeal_id=appeal_id or uuid4(), tracking_number="SY20260302AB12CD34", unit_code=UNIT,
        unit_name="市场监督管理局", rule_id="consumer-prices", appeal_type=AppealType.CONSUMER_COMPLAINT,
        category="prices", district="heping", attempt=attempt, dispatched_at=MONDAY)


async def dispatched(store: FakeSlaStore) -> tuple[AppealDispatched, FakeUnitOfWork]:
    sent, uow = letter(), FakeUnitOfWork()
    await deadlines().on_dispatched(uow, [envelope(sent)])  # type: ignore[arg-type]
    return sent, uow


async def test_a_letter_starts_a_provisional_clock_and_a_redelivery_starts_none(store):
    sent, uow = await dispatched(store)
    [announced] = uow.emitted()
    assert isinstance(announced, DeadlineSet) and announced.reason == "dispatched"
    assert announced.unit_code == UNIT and announced.due_at > MONDAY
    assert store.deadlines[sent.appeal_id]["state"] == "awaiting_signature"
    again = FakeUnitOfWork()
    await deadlines().on_dispatched(again, [envelope(sent)])  # type: ignore[arg-type]
    assert again.emitted() == []


async def test_signing_a_day_later_recounts_from_that_day(store):
    sent, first = await dispatched(store)
    uow = FakeUnitOfWork()
    await deadlines().on_signed(uow, envelope(AppealSigned(appeal_id=sent.appeal_id, unit_code=UNIT,
                                                           signed_at=MONDAY + timedelta(days=1))))
    [recount] = uow.emitted()
    assert recount.reason == "signed" and recount.previous_due_at == first.emitted()[0].due_at
    assert recount.due_at > recount.previous_due_at  # one working day later
    assert store.deadlines[sent.appeal_id]["state"] == "open"


async def test_a_reply_stops_the_clock_and_withdraws_a_pending_extension(store):
    sent, _ = await dispatched(store)
    later = deadlines(MONDAY + timedelta(days=2))
    await later.on_signed(FakeUnitOfWork(), envelope(AppealSigned(appeal_id=sent.appeal_id, unit_code=UNIT,
                                                                  signed_at=MONDAY)))
    await later.on_extension_requested(FakeUnitOfWork(), envelope(ExtensionRequested(
        appeal_id=sent.appeal_id, unit_code=UNIT, working_days=5, reason="需要现场核查", requested_at=MONDAY)))
    uow = FakeUnitOfWork()
    await later.on_replied(uow, envelope(AppealReplied(appeal_id=sent.appeal_id, unit_code=UNIT, reply="已处理。",
                                                       outcome="solved", replied_at=MONDAY + timedelta(days=2))))
    [stopped] = uow.emitted()
    assert isinstance(stopped, DeadlineStopped) and stopped.met
    assert store.deadlines[sent.appeal_id]["state"] == "stopped"
    assert [e["status"] for e in store.extensions.values()] == ["withdrawn"]


async def test_an_event_before_its_letter_is_parked_and_applied_when_the_letter_comes(store):
    appeal_id = uuid4()
    early = FakeUnitOfWork()
    await deadlines().on_signed(early, envelope(AppealSigned(appeal_id=appeal_id, unit_code=UNIT,
                                                             signed_at=MONDAY + timedelta(hours=1))))
    assert early.emitted() == [] and len(store.parked) == 1
    uow = FakeUnitOfWork()
    await deadlines().on_dispatched(uow, [envelope(letter(appeal_id))])  # type: ignore[arg-type]
    assert [e.reason for e in uow.emitted()] == ["dispatched", "signed"]
    assert store.parked == [] and store.deadlines[appeal_id]["state"] == "open"


async def test_another_unit_s_action_on_the_appeal_is_rejected(store):
    sent, _ = await dispatched(store)
    with pytest.raises(Rejected, match="held by SAMR"):
        await deadlines().on_signed(FakeUnitOfWork(), envelope(AppealSigned(
            appeal_id=sent.appeal_id, unit_code="TAX", signed_at=MONDAY)))
    assert store.deadlines[sent.appeal_id]["state"] == "awaiting_signature"


async def test_an_approved_extension_moves_the_deadline_and_a_second_decision_is_refused(store):
    sent, _ = await dispatched(store)
    handler = deadlines()
    await handler.on_signed(FakeUnitOfWork(), envelope(AppealSigned(appeal_id=sent.appeal_id, unit_code=UNIT,
                                                                    signed_at=MONDAY)))
    await handler.on_extension_requested(FakeUnitOfWork(), envelope(ExtensionRequested(
        appeal_id=sent.appeal_id, unit_code=UNIT, working_days=5, reason="需要现场核查", requested_at=MONDAY)))
    [request] = store.extensions
    before = store.deadlines[sent.appeal_id]["due_at"]
    uow = FakeUnitOfWork()
    decided = await decide_extension(uow, RULES, FakeCalendars(), handler.clock,  # type: ignore[arg-type]
                                     extension_id=request, approved=True, reason="同意", decided_by="supervisor-1")
    decision, moved = uow.emitted()
    assert isinstance(decision, ExtensionDecided) and decision.approved and decision.working_days == 5
    assert isinstance(moved, DeadlineSet) and moved.reason == "extended" and moved.previous_due_at == before
    assert decided["due_at"] == store.deadlines[sent.appeal_id]["due_at"] > before
    with pytest.raises(Exception, match="already approved"):
        await decide_extension(FakeUnitOfWork(), RULES, FakeCalendars(), handler.clock,  # type: ignore[arg-type]
                               extension_id=request, approved=False, reason="改主意", decided_by="supervisor-2")
