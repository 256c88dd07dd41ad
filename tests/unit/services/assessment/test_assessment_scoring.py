"""The score formula, weights validation and ranking on hand-checked numbers."""

from services.assessment.domain.metrics import UnitMetrics
from services.assessment.domain.scoring import Weights, problems, rank, score_of

DEFAULT = Weights("v1", {"response": 30, "resolution": 35, "satisfaction": 35},
                  {"overdue": 1.0, "supervision_level_1": 1.0, "supervision_level_2": 2.0,
                   "supervision_level_3": 3.0, "reopened": 0.5, "co_handling_missed": 0.5})


def unit(code="SAMR", group="municipal_department", **counts) -> UnitMetrics:
    return UnitMetrics(code, group, **counts)


def test_weighted_rates_minus_deductions():
    # response 8/10, resolution 3/4, satisfaction 1/4 -> 24 + 26.25 + 8.75 = 59; minus 2 overdue,
    # one level-2 supervision (2) and one reopening (0.5) -> 54.5
    m = unit(received=10, signed_on_time=8, rated=4, resolved=3, satisfied=1, overdue=2, reopened=1,
             supervised=1, supervision_levels={1: 0, 2: 1, 3: 0})
    card = score_of(m, DEFAULT)
    assert card.deductions == {"overdue": 2.0, "supervision_level_2": 2.0, "reopened": 0.5}
    assert card.score == 54.5


def test_rates_without_a_denominator_leave_the_others_scaled_to_100():
    # nothing rated: only response counts, 30/30 of it -> 100 * 0.5
    assert score_of(unit(received=4, signed_on_time=2), DEFAULT).score == 50.0


def test_scores_never_go_below_zero_and_units_without_held_appeals_have_none():
    assert score_of(unit(received=1, overdue=200), DEFAULT).score == 0.0
    card = score_of(unit(co_handled=2, co_contributed=1), DEFAULT)
    assert card.score is None and card.deductions == {"co_handling_missed": 0.5}


def test_on_time_can_be_weighted_in_a_new_version():
    w = Weights("v2", {"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30}, {})
    m = unit(received=2, signed_on_time=2, completion_decided=2, completed_on_time=1, rated=2, resolved=2, satisfied=2)
    assert score_of(m, w).score == 90.0


def test_ranking_is_within_groups_with_shared_ranks_and_change_from_last_month():
    cards = [score_of(unit("A", received=1, signed_on_time=1), DEFAULT),
             score_of(unit("B", received=1, signed_on_time=1), DEFAULT),
             score_of(unit("C", received=1), DEFAULT),
             score_of(unit("D", "district_government", received=1), DEFAULT),
             score_of(unit("E", co_handled=1), DEFAULT)]
    ranked = {c.metrics.unit_code: c for c in rank(cards, previous={"A": 3, "C": 1})}
    assert [ranked[u].rank for u in "ABCDE"] == [1, 1, 3, 1, None]
    assert ranked["A"].rank_change == 2 and ranked["C"].rank_change == -2
    assert ranked["B"].rank_change is None, "not ranked last month"


def test_malformed_weights_are_refused_with_field_and_reason():
    assert problems({"response": 30, "resolution": 35, "satisfaction": 35}, {"overdue": 1}) == []
    assert problems({"response": -10, "resolution": 55, "satisfaction": 55}, {}) == [
        ("weights.response", "must not be negative")]
    assert problems({"response": 30, "resolution": 30, "satisfaction": 30}, {}) == [
        ("weights", "must sum to 100 (the score is out of 100); they sum to 90")]
    assert problems({"speed": 100}, {})[0][0] == "weights.speed"
    assert problems({"response": "100"}, {})[0] == ("weights.response", "must be a number")
    assert problems({"response": True}, {})[0] == ("weights.response", "must be a number")
    assert problems({"response": 100}, {"overdue": -1}) == [
        ("deductions.overdue", "must not be negative (a deduction takes points away)")]
    assert problems({"response": 100}, {"lateness": 1})[0][0] == "deductions.lateness"
    assert problems({}, {})[0][0] == "weights"
    assert problems({"response": 100}, [1])[0][0] == "deductions"
