"""Public status, evaluation rules and inquiry windows (domain/lifecycle.py, evaluation.py, inquiry.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from services.publication.domain.evaluation import EvaluationRefused, Rating, asks_to_reopen, check_may_evaluate
from services.publication.domain.inquiry import retry_after_seconds, window_start
from services.publication.domain.labels import status_name
from services.publication.domain.lifecycle import STATUSES, expected_at, is_disclosed, public_status, public_view

T = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


@pytest.mark.parametrize(("steps", "status"), [
    ({}, "accepted"),
    ({"dispatched_at": at(1)}, "dispatched"),
    ({"dispatched_at": at(1), "signed_at": at(2)}, "signed"),
    ({"dispatched_at": at(3), "signed_at": at(2)}, "dispatched"),  # re-dispatched after signing
    ({"signed_at": at(2), "replied_at": at(5)}, "replied"),
    ({"replied_at": at(5), "evaluated_at": at(6)}, "evaluated"),
    ({"replied_at": at(5), "evaluated_at": at(6), "reopened_at": at(7)}, "reopened"),
    ({"replied_at": at(8), "evaluated_at": at(6), "reopened_at": at(7)}, "replied"),  # replied again
    ({"replied_at": at(5), "closed_at": at(6)}, "closed"),
    ({"replied_at": at(5), "closed_at": at(6), "reopened_at": at(7)}, "reopened"),
    ({"closed_at": at(6)}, "closed"),  # close seen before anything else (another topic is behind)
    # A returned letter: waiting for re-dispatch (待重新派单) until a new letter goes out.
    ({"dispatched_at": at(1), "returned_at": at(2)}, "returned"),
    ({"returned_at": at(2)}, "returned"),  # the return seen before the letter
    ({"dispatched_at": at(3), "returned_at": at(2)}, "dispatched"),  # re-dispatched
    ({"dispatched_at": at(3), "returned_at": at(2), "signed_at": at(4)}, "signed"),  # the new unit signed
    ({"dispatched_at": at(5), "returned_at": at(4), "signed_at": at(2)}, "dispatched"),  # signed, later returned?
    ({"dispatched_at": at(3), "returned_at": at(4), "signed_at": at(2)}, "returned"),
    ({"dispatched_at": at(1), "returned_at": at(2), "replied_at": at(9)}, "replied"),
])
def test_status_comes_from_the_latest_step_times(steps, status):
    assert public_status(steps) == status


def test_disclosed_only_when_acceptance_said_public():
    assert is_disclosed({"private": False, "tracking_number": "SY20261102ABCDEFGH"})
    assert not is_disclosed({"private": True, "tracking_number": "SY20261102ABCDEFGH"})
    assert not is_disclosed({"private": None, "tracking_number": None})


def test_evaluation_needs_a_reply_within_the_window_once():
    replied = {"replied_at": at(5)}
    assert check_may_evaluate(replied, at(6)) == at(5)
    assert check_may_evaluate(replied, at(5) + timedelta(days=30)) == at(5)
    refusals = [
        ({}, at(6), "not_replied"),
        ({"replied_at": at(5), "reopened_at": at(6)}, at(7), "not_replied"),
        ({"replied_at": at(5), "evaluated_at": at(6)}, at(7), "already_evaluated"),
        (replied, at(5) + timedelta(days=30, seconds=1), "window_closed"),
    ]
    for row, now, reason in refusals:
        with pytest.raises(EvaluationRefused) as refused:
            check_may_evaluate(row, now)
        assert refused.value.code == reason


def test_a_new_reply_after_a_reopening_may_be_rated_again():
    row = {"replied_at": at(9), "evaluated_at": at(6), "reopened_at": at(7)}
    assert check_may_evaluate(row, at(10)) == at(9)


@pytest.mark.parametrize(("satisfaction", "solved", "reopen"), [
    ("dissatisfied", False, True), ("dissatisfied", True, False),
    ("basically_satisfied", False, False), ("satisfied", True, False),
])
def test_only_dissatisfied_and_unsolved_asks_to_reopen(satisfaction, solved, reopen):
    assert asks_to_reopen(Rating(satisfaction, solved)) is reopen


def test_fixed_windows_and_retry_after():
    window = timedelta(minutes=15)
    now = datetime(2026, 11, 2, 10, 7, 30, tzinfo=UTC)
    assert window_start(now, window) == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(now, window) == 450
    assert retry_after_seconds(datetime(2026, 11, 2, 10, 14, 59, 900000, tzinfo=UTC), window) == 1


def test_a_dissatisfied_rating_reopens_once_then_the_centre_calls_back():
    from services.publication.domain.evaluation import Rating, after_rating

    unhappy = Rating("dissatisfied", False)
    assert after_rating(unhappy, 1) == "reopen"
    assert after_rating(unhappy, 2) == "return_call"
    assert after_rating(unhappy, 5) == "return_call"
    assert after_rating(Rating("dissatisfied", True), 3) == "close"  # solved, though unhappy: no reopening
    assert after_rating(Rating("satisfied", False), 1) == "close"


def test_a_returned_appeal_shows_no_deadline_and_says_it_waits_for_re_dispatch():
    row = {"tracking_number": "SY1", "appeal_type": "consumer_complaint", "category": "prices",
           "district": "heping", "unit_name": "市场监管局", "expected_at": at(100), "updated_at": at(2),
           "dispatched_at": at(1), "returned_at": at(2)}
    assert expected_at(row) is None and public_view(row)["expected_at"] is None
    assert public_view(row)["status"] == "returned"
    assert status_name("returned", "zh") == "待重新派单" and status_name("returned", "en") == "Waiting for re-dispatch"
    assert "returned" in STATUSES
    redispatched = {**row, "dispatched_at": at(3), "expected_at": at(200)}
    assert expected_at(redispatched) == at(200)
