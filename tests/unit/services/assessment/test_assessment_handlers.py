"""assessment's consumer use case on fakes (tests/fakes/assessment.py): events become facts,
each appeal with a new fact is judged again and its units' running totals move, without
PostgreSQL or Kafka. The SQL behind it is covered by tests/integration/test_assessment_service.py."""

import random
import uuid
from datetime import datetime

import pytest
from assessment_builders import Appeal, at

from services.assessment.handlers import handlers, on_lifecycle_events
from shared.consumer import Batch, Rejected
from shared.contracts import events as ev
from tests.fakes import FakeUnitOfWork, envelope
from tests.fakes.assessment import FakeAssessmentStore


@pytest.fixture
def store(monkeypatch) -> FakeAssessmentStore:
    return FakeAssessmentStore().install(monkeypatch)


async def consume(*events: ev.Event, delivered: list | None = None) -> FakeUnitOfWork:
    """One consumer batch of these events (or of the given envelopes)."""
    uow = FakeUnitOfWork()
    await on_lifecycle_events(uow, delivered or [envelope(e) for e in events])  # type: ignore[arg-type]
    return uow


def handled_on_time(unit: str = "SAMR") -> Appeal:
    return (Appeal().dispatched(unit, at(2)).deadline(unit, at(20)).signed(unit, at(2, 14))
            .replied(unit, at(5)).stopped(unit, at(5)).evaluated(at(7), unit=unit))


async def test_a_handled_appeal_moves_its_units_totals(store):
    appeal = handled_on_time()
    uow = await consume(*appeal.events)
    assert [row.role for row in store.rows[appeal.id]] == ["holder"]
    for name in ("received", "signed", "signed_on_time", "completed_on_time", "rated", "resolved", "satisfied"):
        assert store.counter("2026-11", "SAMR", name) == 1, name
    assert store.received == {(appeal.id, "SAMR"): ("2026-11", at(2))}  # the receipt log
    assert uow.emitted() == []  # assessment scores; it tells no one per event


async def test_the_same_events_again_or_in_another_order_change_nothing(store):
    appeal = handled_on_time()
    delivered = [envelope(e) for e in appeal.events]
    await consume(delivered=delivered)
    totals = {k: dict(v) for k, v in store.totals.items()}
    await consume(delivered=delivered)  # a redelivery: nothing new, nothing judged
    await consume(*random.Random(7).sample(appeal.events, len(appeal.events)))  # new ids, same facts
    assert store.totals == totals and len(store.rows[appeal.id]) == 1


async def test_events_over_several_batches_give_what_one_batch_gives(store, monkeypatch):
    appeals = [handled_on_time("SAMR"), handled_on_time("HEALTH"),
               Appeal().dispatched("SAMR", at(3)).returned("SAMR", at(3, 15)).redispatched("SAMR", "WATER", at(4))]
    events = [e for a in appeals for e in a.events]
    for start in range(0, len(events), 3):
        await consume(*events[start:start + 3])
    one_batch = FakeAssessmentStore().install(monkeypatch)
    await consume(*events)
    assert store.totals == one_batch.totals
    assert store.counter("2026-11", "SAMR", "returned") == 1 and store.counter("2026-11", "WATER", "received") == 1


async def test_a_late_fact_of_a_closed_month_marks_it_for_a_recheck(store):
    store.closed_periods.add("2026-11")
    await consume(*Appeal().dispatched("SAMR", at(2)).events)
    assert store.rechecks == {"2026-11"}


async def test_an_event_time_without_a_zone_is_refused_with_the_reason(store):
    appeal = uuid.uuid4()
    naive = ev.AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=datetime(2026, 11, 2, 10))
    with pytest.raises(Rejected, match="no time zone"):
        await consume(naive)
    assert store.facts == {}


async def test_every_consumed_kind_goes_to_one_batch_handler(store):
    kinds = handlers(None)
    assert ev.AppealDispatched in kinds and ev.SupervisionOrderAnswered in kinds
    assert len({id(h) for h in kinds.values()}) == 1 and isinstance(kinds[ev.AppealSigned], Batch)
