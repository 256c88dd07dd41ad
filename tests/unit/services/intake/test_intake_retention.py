"""The retention rule: when a petitioner's contact is forgotten, by how the appeal ended."""

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.retention import AppealState, cutoff, due, finished_at, forget_after

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAYS = 180


def state(status: str, handling: str = "open", changed: datetime | None = None, decided: datetime | None = None,
          merged_into_finished: datetime | None = None) -> AppealState:
    return AppealState(status, handling, changed, decided, T0, merged_into_finished)


def test_an_accepted_appeal_is_finished_when_routing_closed_it():
    closed = T0 + timedelta(days=20)
    appeal = state("accepted", "closed", closed)
    assert finished_at(appeal) == closed
    assert forget_after(appeal, DAYS) == closed + timedelta(days=DAYS)
    assert not due(appeal, closed + timedelta(days=DAYS - 1), DAYS)
    assert due(appeal, closed + timedelta(days=DAYS), DAYS)


@pytest.mark.parametrize("handling", ["open", "replied"])
def test_an_open_or_only_replied_appeal_is_never_due(handling):
    # replied: the evaluation, a dissatisfied petitioner's reopening still need the contact
    assert finished_at(state("accepted", handling, T0)) is None
    assert not due(state("accepted", handling, T0), T0 + timedelta(days=10_000), DAYS)


def test_answered_and_rejected_count_from_the_decision():
    decided = T0 + timedelta(hours=2)
    assert finished_at(state("answered", decided=decided)) == decided
    assert finished_at(state("rejected", decided=decided)) == decided
    assert finished_at(state("rejected")) == T0, "refused by the rules on arrival"


def test_a_merged_appeal_follows_the_appeal_that_handles_its_problem():
    assert finished_at(state("merged")) is None
    later = T0 + timedelta(days=40)
    assert finished_at(state("merged", merged_into_finished=later)) == later


@pytest.mark.parametrize("status", ["pending_review", "answer_offered"])
def test_undecided_appeals_are_never_due(status):
    assert not due(state(status, "closed", T0, T0), T0 + timedelta(days=10_000), DAYS)


def test_the_cutoff_is_the_same_rule_seen_from_now():
    closed = T0 + timedelta(days=3)
    now = closed + timedelta(days=DAYS, seconds=1)
    assert (closed <= cutoff(now, DAYS)) == due(state("accepted", "closed", closed), now, DAYS)
    now = closed + timedelta(days=DAYS, seconds=-1)
    assert (closed <= cutoff(now, DAYS)) == due(state("accepted", "closed", closed), now, DAYS)
