"""Property: scores do not depend on the order events arrive in or how often they arrive."""

import random
from uuid import UUID

from assessment_builders import Appeal, at, facts_of
from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.domain.report import as_rows, in_month, scorecards_of_facts
from services.assessment.domain.scoring import Weights

WEIGHTS = Weights("v3", {"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30},
                  {"escalation_level_2": 10, "escalation_level_3": 20, "supervision_order": 10, "reopened": 10,
                   "return_call": 5, "co_handling_missed": 10})
NOW = at(15, month=12)
ORDER = UUID("00000000-0000-4000-8000-000000000009")


def a_month_of_events() -> list:
    appeals = [
        Appeal(1).dispatched("SAMR", at(2), co=("WATER",)).signed("SAMR", at(2, 12)).co_replied("WATER", "SAMR", at(4))
        .replied("SAMR", at(6)).stopped("SAMR", at(6)).evaluated(at(8), "basically_satisfied", solved=False),
        Appeal(2).dispatched("SAMR", at(3)).returned("SAMR", at(3, 11)).redispatched("SAMR", "WATER", at(4))
        .signed("WATER", at(6)).overdue("WATER", at(25)).supervised("WATER", at(26), 2),
        Appeal(3).dispatched("WATER", at(5), group="enterprise").merged(at(5, 11)),
        Appeal(4).dispatched("HEPING", at(9), group="district_government").signed("HEPING", at(9, 11))
        .replied("HEPING", at(12)).evaluated(at(14), "dissatisfied", solved=False).reopened(at(14, 12))
        .replied("HEPING", at(18)).evaluated(at(20), "satisfied"),
        Appeal(5).dispatched("SAMR", at(30, 23)).signed("SAMR", at(30, 23)),
        Appeal(6).dispatched("SAMR", at(31, 10, month=10)).evaluated(at(3), "satisfied"),  # October's
        # Added 2026-12-07: a direct answer at intake, a return call, supervision orders.
        Appeal(7).answered_at_intake(at(4)),
        Appeal(8).dispatched("HEPING", at(10), group="district_government").signed("HEPING", at(10, 11))
        .replied("HEPING", at(12)).evaluated(at(13), "dissatisfied", solved=False).reopened(at(13, 12))
        .replied("HEPING", at(16)).evaluated(at(17), "dissatisfied", solved=False).return_call(at(17, 1))
        .return_call_decided(at(18), "reopen").reopened(at(18, 1)),
        Appeal(9).dispatched("WATER", at(11), group="enterprise").deadline("WATER", at(19))
        .ordered("WATER", at(16), "leader_interview", order=ORDER).order_answered("WATER", ORDER, at(17))
        .ordered("WATER", at(18), "municipal_report"),
        Appeal(10).dispatched("SAMR", at(12)).overdue("SAMR", at(20)).supervised("SAMR", at(21), 3)
        .ordered("SAMR", at(22), "joint_meeting"),
    ]
    return [e for a in appeals for e in a.events]


EVENTS = a_month_of_events()


def scores(events) -> list[dict]:
    return as_rows(scorecards_of_facts(facts_of(events), in_month("2026-11"), NOW, WEIGHTS, {"SAMR": 2}))


EXPECTED = scores(EVENTS)


def test_the_reference_month_is_not_trivial():
    by_unit = {r["unit_code"]: r for r in EXPECTED}
    assert by_unit["SAMR"]["received"] == 3 and by_unit["SAMR"]["returned"] == 1
    assert by_unit["WATER"]["overdue"] == 1 and by_unit["WATER"]["co_contributed"] == 1
    assert by_unit["HEPING"]["reopened"] == 3 and by_unit["HEPING"]["reopened_letters"] == 2
    assert by_unit["HEPING"]["rates"]["satisfaction"] == 0.5
    assert by_unit["SAMR"]["rank_change"] == 1
    assert by_unit["HEPING"]["return_called"] == 1 and by_unit["HEPING"]["finding_rates"]["return_call"] == 0.5
    assert by_unit["WATER"]["supervision_ordered"] == 1 and by_unit["WATER"]["orders_unanswered"] == 1
    assert by_unit["SAMR"]["supervision_ordered"] == 1 and by_unit["SAMR"]["finding_rates"]["supervision_order"] == 0
    assert "" not in by_unit, "the centre's direct answer is no unit's"


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(), duplicates=st.lists(st.integers(0, len(EVENTS) - 1), max_size=20))
def test_shuffled_and_duplicated_events_give_identical_scores(seed, duplicates):
    events = EVENTS + [EVENTS[i] for i in duplicates]
    random.Random(seed).shuffle(events)
    assert scores(events) == EXPECTED
