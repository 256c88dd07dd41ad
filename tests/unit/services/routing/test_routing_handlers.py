"""routing's use cases on fakes (tests/fakes): dispatching accepted appeals and units' actions,
without PostgreSQL or Kafka. The SQL behind them is covered by tests/integration/test_routing_*."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.routing.adapters.directory_file import load_directory
from services.routing.handlers.dispatching import Dispatcher
from services.routing.handlers.unit_actions import act
from shared.clock import Clock
from shared.contracts.events import (
    AppealAccepted,
    AppealDispatched,
    AppealQueuedForDispatch,
    AppealReplied,
    AppealReturned,
    AppealSigned,
    Classification,
    ExtensionRequested,
    ReplyToAppeal,
    RequestExtension,
    ReturnAppeal,
    SignAppeal,
)
from shared.contracts.vocabulary import AppealType, Channel
from shared.refusals import Refusal, Refused
from tests.fakes import FakeUnitOfWork, envelope
from tests.fakes.routing import FakeDirectories, FakeRoutingStore

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
DIRECTORY = load_directory()


@pytest.fixture
def store(monkeypatch) -> FakeRoutingStore:
    return FakeRoutingStore().install(monkeypatch)


def accepted(district: str = "heping", category: str = "food_medicine",
             appeal_type: AppealType = AppealType.CONSUMER_COMPLAINT) -> AppealAccepted:
    return AppealAccepted(
        appeal_id=uuid4(), tracking_number="SY20261207AB12CD34", channel=Channel.PHONE,
        appeal_type=appeal_type, category=category, district=district,
        description="中街一家药店卖过期药品，要求查处。", private=False,
        classification=Classification(method="operator", matched=(), confidence=1.0), accepted_at=NOW)


async def dispatch(*appeals: AppealAccepted) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await Dispatcher(FakeDirectories(DIRECTORY), Clock(start=NOW, anchor=0, speed=0)).on_accepted(  # type: ignore[arg-type]
        uow, [envelope(a) for a in appeals])  # type: ignore[arg-type]
    return uow


async def test_an_appeal_a_rule_covers_is_dispatched_with_its_first_letter(store):
    appeal = accepted()
    uow = await dispatch(appeal)
    [sent] = uow.emitted()
    assert isinstance(sent, AppealDispatched) and sent.appeal_id == appeal.appeal_id
    assert sent.unit_code in DIRECTORY.units and sent.attempt == 1 and sent.dispatched_at == NOW
    assert store.transfers[appeal.appeal_id]["state"] == "dispatched"
    assert store.letters[(appeal.appeal_id, 1)]["unit_code"] == sent.unit_code
    assert store.letters[(appeal.appeal_id, 1)]["sent_by"] == "catalogue"


async def test_one_appeal_twice_in_a_run_or_redelivered_later_is_dispatched_once(store):
    appeal = accepted()
    assert len((await dispatch(appeal, appeal)).emitted(AppealDispatched)) == 1
    assert (await dispatch(appeal)).emitted() == []  # already recorded: nothing new
    assert len(store.letters) == 1


async def test_an_appeal_nobody_is_responsible_for_waits_for_an_operator(store):
    # no city-wide rule for this category, and no district government for an unknown district
    appeal = accepted(district="nowhere", category="efficiency",
                      appeal_type=AppealType.ADMINISTRATIVE_EFFICIENCY_COMPLAINT)
    [queued] = (await dispatch(appeal)).emitted()
    assert isinstance(queued, AppealQueuedForDispatch) and "no rule covers it" in queued.reason
    assert store.transfers[appeal.appeal_id]["state"] == "awaiting_operator"
    assert store.letters == {}


async def dispatched(store: FakeRoutingStore) -> tuple[AppealAccepted, str]:
    appeal = accepted()
    [sent] = (await dispatch(appeal)).emitted(AppealDispatched)
    return appeal, sent.unit_code


async def test_the_lead_unit_signs_replies_and_asks_for_more_time(store):
    appeal, unit = await dispatched(store)
    uow = FakeUnitOfWork()
    signed = await act(uow, SignAppeal(action_id="s1", appeal_id=appeal.appeal_id, unit_code=unit), NOW)
    assert (signed.action, signed.state) == ("sign", "signed")
    await act(uow, RequestExtension(action_id="e1", appeal_id=appeal.appeal_id, unit_code=unit, working_days=5,
                                    reason="需要现场核查"), NOW)
    replied = await act(uow, ReplyToAppeal(action_id="r1", appeal_id=appeal.appeal_id, unit_code=unit,
                                           reply="已责令下架并罚款。", outcome="solved"), NOW)
    assert replied.state == "replied"
    assert [type(e) for e in uow.emitted()] == [AppealSigned, ExtensionRequested, AppealReplied]
    assert store.transfers[appeal.appeal_id]["state"] == "replied"
    assert store.letters[(appeal.appeal_id, 1)]["signed_at"] == NOW


async def test_the_same_action_id_again_changes_nothing_and_reused_for_another_action_is_refused(store):
    appeal, unit = await dispatched(store)
    sign = SignAppeal(action_id="a1", appeal_id=appeal.appeal_id, unit_code=unit)
    await act(FakeUnitOfWork(), sign, NOW)
    again = FakeUnitOfWork()
    assert (await act(again, sign, NOW)).replayed and again.emitted() == []
    with pytest.raises(Refused, match="already used") as refused:
        await act(FakeUnitOfWork(), ReturnAppeal(action_id="a1", appeal_id=appeal.appeal_id, unit_code=unit,
                                                 reason="不归我们管"), NOW)
    assert refused.value.kind is Refusal.CONFLICT


async def test_actions_out_of_order_or_by_another_unit_are_refused_without_a_change(store):
    appeal, unit = await dispatched(store)
    other = next(code for code in DIRECTORY.units if code != unit)
    uow = FakeUnitOfWork()
    with pytest.raises(Refused) as early:  # a reply before signing for the letter
        await act(uow, ReplyToAppeal(action_id="r1", appeal_id=appeal.appeal_id, unit_code=unit,
                                     reply="已处理。", outcome="solved"), NOW)
    with pytest.raises(Refused) as stranger:  # a unit that does not hold it does not see it
        await act(uow, SignAppeal(action_id="s1", appeal_id=appeal.appeal_id, unit_code=other), NOW)
    with pytest.raises(Refused) as unknown:
        await act(uow, SignAppeal(action_id="s2", appeal_id=uuid4(), unit_code=unit), NOW)
    assert early.value.kind is Refusal.CONFLICT
    assert stranger.value.kind is unknown.value.kind is Refusal.NOT_FOUND
    assert uow.emitted() == [] and store.actions == {}
    assert store.transfers[appeal.appeal_id]["state"] == "dispatched"


async def test_a_second_extension_request_waits_for_the_first_decision(store):
    appeal, unit = await dispatched(store)
    await act(FakeUnitOfWork(), SignAppeal(action_id="s1", appeal_id=appeal.appeal_id, unit_code=unit), NOW)
    ask = dict(appeal_id=appeal.appeal_id, unit_code=unit, working_days=3, reason="需要现场核查")
    await act(FakeUnitOfWork(), RequestExtension(action_id="e1", **ask), NOW)
    with pytest.raises(Refused, match="already waiting"):
        await act(FakeUnitOfWork(), RequestExtension(action_id="e2", **ask), NOW)
    assert len(store.extension_requests) == 1


async def test_a_return_records_the_reason_and_waits_for_review(store):
    appeal, unit = await dispatched(store)
    uow = FakeUnitOfWork()
    outcome = await act(uow, ReturnAppeal(action_id="x1", appeal_id=appeal.appeal_id, unit_code=unit,
                                          reason="不属于本单位职责"), NOW)
    assert outcome.state == "returned"
    [returned] = uow.emitted()
    assert isinstance(returned, AppealReturned) and returned.reason == "不属于本单位职责"
    assert store.transfers[appeal.appeal_id]["returned_by"] == [unit]
    assert store.letters[(appeal.appeal_id, 1)]["return_reason"] == "不属于本单位职责"
