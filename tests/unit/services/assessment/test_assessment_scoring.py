"""The score formula, weights validation and ranking on hand-checked numbers, and its
fairness properties: volume does not change a score, more letters of the same quality never
lower one, and with the default weights a unit scores near 0 only if its rates are near 0."""

from datetime import timedelta
from uuid import uuid4

from assessment_builders import at
from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.domain.metrics import UnitMetrics, aggregate
from services.assessment.domain.scoring import MAX_DEDUCTION_POINTS, Weights, base_of, problems, rank, score_of
from services.assessment.domain.verdicts import CO_HANDLER, HOLDER, VerdictRow

DEFAULT = Weights("v3", {"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30},
                  {"escalation_level_2": 10, "escalation_level_3": 20, "supervision_order": 10, "reopened": 10,
                   "return_call": 5, "co_handling_missed": 10})
FIRST = Weights("v1", {"response": 30, "resolution": 35, "satisfaction": 35},
                {"overdue": 1.0, "supervision_level_1": 1.0, "supervision_level_2": 2.0,
                 "supervision_level_3": 3.0, "reopened": 0.5, "co_handling_missed": 0.5}, basis="per_occurrence")
NOW = at(1, month=12) + timedelta(days=60)


def unit(code="SAMR", group="municipal_department", **counts) -> UnitMetrics:
    return UnitMetrics(code, group, **counts)


def test_the_worked_example_of_the_readme():
    # response 171/190, on time 162/180, resolution 96/120, satisfaction 108/120:
    # base = 20*0.9 + 20*0.9 + 30*0.8 + 30*0.9 = 87
    # findings: 18/180 escalated to level 2, 17/170 replied letters reopened -> 10*0.1 + 10*0.1 = 2 points of 100
    # score = 87 * (1 - 2/100) = 85.26; deductions in the unit's points: 0.87 each
    m = unit(received=200, response_decided=190, signed_on_time=171, completion_decided=180, completed_on_time=162,
             rated=120, resolved=96, satisfied=108, overdue=18, supervised=18, supervision_levels={1: 0, 2: 18, 3: 0},
             completed=170, reopened=20, reopened_letters=17)
    card = score_of(m, DEFAULT)
    assert card.score == 85.26
    assert card.deductions == {"escalation_level_2": 0.87, "reopened": 0.87}


def test_rates_without_decided_letters_leave_the_others_scaled_to_100():
    # nothing rated and nothing completed yet: only response counts, 2 of 4 decided -> 50
    assert score_of(unit(received=6, response_decided=4, signed_on_time=2), DEFAULT).score == 50.0


def test_units_without_held_appeals_have_no_score():
    card = score_of(unit(co_handled=2, co_decided=2, co_contributed=1), DEFAULT)
    assert card.score is None and card.deductions == {"co_handling_missed": 5.0}


def test_months_closed_with_the_first_formula_are_still_computed_with_it():
    m = unit(received=10, response_decided=10, signed_on_time=8, rated=4, resolved=3, satisfied=1, overdue=2,
             reopened=1, supervised=1, supervision_levels={1: 0, 2: 1, 3: 0})
    card = score_of(m, FIRST)   # 24 + 26.25 + 8.75 = 59, minus 2 + 2 + 0.5
    assert card.score == 54.5 and card.deductions == {"overdue": 2.0, "supervision_level_2": 2.0, "reopened": 0.5}


def test_ranking_is_within_groups_with_shared_ranks_and_change_from_last_month():
    cards = [score_of(unit("A", received=1, response_decided=1, signed_on_time=1), DEFAULT),
             score_of(unit("B", received=1, response_decided=1, signed_on_time=1), DEFAULT),
             score_of(unit("C", received=1, response_decided=1), DEFAULT),
             score_of(unit("D", "district_government", received=1, response_decided=1), DEFAULT),
             score_of(unit("E", co_handled=1), DEFAULT)]
    ranked = {c.metrics.unit_code: c for c in rank(cards, previous={"A": 3, "C": 1})}
    assert [ranked[u].rank for u in "ABCDE"] == [1, 1, 3, 1, None]
    assert ranked["A"].rank_change == 2 and ranked["C"].rank_change == -2
    assert ranked["B"].rank_change is None, "not ranked last month"


def test_malformed_negative_or_volume_dependent_weights_are_refused_with_field_and_reason():
    assert problems(dict(DEFAULT.weights), dict(DEFAULT.deductions)) == []
    assert problems({"response": -10, "resolution": 55, "satisfaction": 55}, {}) == [
        ("weights.response", "must not be negative")]
    assert problems({"response": 30, "resolution": 30, "satisfaction": 30}, {}) == [
        ("weights", "must sum to 100 (the score is out of 100); they sum to 90")]
    assert problems({"speed": 100}, {})[0][0] == "weights.speed"
    assert problems({"response": "100"}, {})[0] == ("weights.response", "must be a number")
    assert problems({"response": True}, {})[0] == ("weights.response", "must be a number")
    assert problems({"response": 100}, {"reopened": -1}) == [
        ("deductions.reopened", "must not be negative (a deduction takes points away)")]
    assert problems({"response": 100}, {"lateness": 1})[0][0] == "deductions.lateness"
    assert problems({}, {})[0][0] == "weights"
    assert problems({"response": 100}, [1])[0][0] == "deductions"
    # volume-dependent: counts of occurrences, or one finding counted twice
    assert "volume" in problems({"response": 100}, {}, basis="per_occurrence")[0][1]
    assert "on_time" in problems({"response": 100}, {"overdue": 1})[0][1]
    assert "twice" in problems({"response": 100}, {"supervision_level_1": 1})[0][1]
    # could go below 0
    [(field, reason)] = problems({"response": 100}, {"escalation_level_3": 60, "reopened": 50})
    assert field == "deductions" and "below 0" in reason and str(MAX_DEDUCTION_POINTS) in reason


# --- fairness properties, on letters built as the consumer stores them -------------------

LETTER = st.fixed_dictionaries({
    "signed": st.sampled_from(("on_time", "late", "never")),
    "completion": st.sampled_from((True, False, None)),     # None: no stop, deadline passed
    "rating": st.sampled_from((None, ("satisfied", True), ("basically_satisfied", False), ("dissatisfied", False))),
    "level": st.sampled_from((0, 0, 0, 1, 2, 3)),
    "reopened": st.integers(0, 2),
    "co": st.sampled_from((None, True, False)),
    "return_call": st.booleans(),
    "orders": st.sampled_from((0, 0, 1, 2)),
    "answered": st.booleans(),
})
PERFECT = {"signed": "on_time", "completion": True, "rating": ("satisfied", True), "level": 0, "reopened": 0,
           "co": None, "return_call": False, "orders": 0, "answered": False}


def rows(behaviour: list[dict], code: str = "SAMR") -> list[VerdictRow]:
    out = []
    for i, b in enumerate(behaviour):
        received = at(2) + timedelta(minutes=i)
        ends = at(4, 0)
        signed = {"on_time": at(3), "late": at(5), "never": None}[b["signed"]]
        rating = b["rating"]
        overdue = b["completion"] is False or b["level"] > 0
        out.append(VerdictRow(
            uuid4(), HOLDER, code, received, "2026-11", unit_group="municipal_department", signed_at=signed,
            response_ends_at=ends, completed_on_time=False if overdue else b["completion"], due_at=at(20),
            resolved=None if rating is None else rating[1], satisfied=None if rating is None else rating[0] != "dissatisfied",
            reopened=b["reopened"], overdue=overdue, supervision_level=b["level"],
            working_days=3 if b["completion"] is not None else None,
            # A return call follows a reply (a second dissatisfied rating of it).
            return_called=b["return_call"] and b["completion"] is not None, supervision_orders=b["orders"],
            orders_unanswered=0 if b["answered"] else b["orders"]))
        if b["co"] is not None:
            out.append(VerdictRow(uuid4(), CO_HANDLER, code, received, "2026-11", contributed=b["co"],
                                  completed_on_time=True, lead_unit_code="LEAD"))
    return out


def score(behaviour: list[dict], weights: Weights = DEFAULT) -> float:
    m = aggregate(rows(behaviour), lambda period, _at: period == "2026-11", NOW)["SAMR"]
    card = score_of(m, weights).score
    assert card is not None, "a unit with appeals has a score"
    return card


@settings(max_examples=150, deadline=None)
@given(behaviour=st.lists(LETTER, min_size=1, max_size=30))
def test_ten_times_the_volume_with_the_same_behaviour_scores_within_half_a_point(behaviour):
    assert abs(score(behaviour * 10) - score(behaviour)) <= 0.5


@settings(max_examples=150, deadline=None)
@given(behaviour=st.lists(LETTER, min_size=1, max_size=30), copies=st.integers(1, 5),
       perfect=st.integers(0, 20))
def test_more_letters_at_the_same_quality_never_lower_a_score(behaviour, copies, perfect):
    alone = score(behaviour)
    assert score(behaviour * (1 + copies)) >= alone - 1e-9
    assert score(behaviour + [PERFECT] * perfect) >= alone - 1e-9


@settings(max_examples=150, deadline=None)
@given(behaviour=st.lists(LETTER, min_size=1, max_size=40))
def test_with_the_default_weights_a_score_is_near_0_only_if_the_rates_are(behaviour):
    m = aggregate(rows(behaviour), lambda period, _at: True, NOW)["SAMR"]
    weighted = [m.rates[name] for name, w in DEFAULT.weights.items() if w and m.rates[name] is not None]
    # the deductions of the default version take at most their sum (65 of 100) of the base
    assert score_of(m, DEFAULT).score >= 100 * min(weighted) * (1 - sum(DEFAULT.deductions.values()) / 100) - 0.01
    assert score_of(m, DEFAULT).score >= 0
    # and in fact at most 45: escalation to level 2 or 3 and an order are one supervision finding
    # per letter (at most 20 points together), plus reopened 10, return_call 5, co-handling 10
    findings = m.finding_rates
    supervision = sum(findings[k] or 0 for k in ("escalation_level_2", "escalation_level_3", "supervision_order"))
    assert supervision <= 1 + 1e-9
    assert score_of(m, DEFAULT).score >= base_of(m, DEFAULT) * 0.55 - 0.01
