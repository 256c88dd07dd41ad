"""Each metric and exclusion on hand-checked examples (services/assessment/domain)."""

from datetime import datetime, timedelta

from assessment_builders import Appeal, at, facts_of

from services.assessment.domain.appeals import judge
from services.assessment.domain.metrics import aggregate
from services.assessment.domain.report import in_month, in_range, verdict_rows, verdicts
from services.assessment.domain.workdays import end_of_working_days, working_days_after

LATER = at(1, month=12) + timedelta(days=60)   # every window and deadline of November has ended


def metrics(*appeals: Appeal, period: str = "2026-11", now: datetime = LATER):
    facts = [f for a in appeals for f in a.facts()]
    return aggregate(verdict_rows(verdicts(facts)), in_month(period), now)


def test_response_rate_counts_signatures_by_the_end_of_the_next_working_day_and_unsigned_as_late():
    # Monday 2 Nov 10:00: the window ends at 24:00 on Tuesday 3 Nov.
    on_time = Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(3, 23))
    late = Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(4, 0) + timedelta(seconds=1))
    unsigned = Appeal().dispatched("SAMR", at(2))
    m = metrics(on_time, late, unsigned)["SAMR"]
    assert (m.received, m.response_decided, m.signed_on_time) == (3, 3, 1)
    assert m.rates["response"] == 1 / 3


def test_a_friday_letter_may_be_signed_on_monday_and_a_holiday_does_not_count():
    friday = Appeal().dispatched("SAMR", at(6, 18)).signed("SAMR", at(9, 20))         # Fri -> Mon evening
    assert metrics(friday)["SAMR"].signed_on_time == 1
    # 30 Sep 2026 (Wed) before National Day: the next working day is 8 Oct (1-7 Oct are holidays).
    assert end_of_working_days(at(30, 12, month=9), 1) == at(9, 0, month=10)


def test_letters_whose_outcome_is_not_known_yet_are_left_out_of_the_rates():
    fresh = Appeal().dispatched("SAMR", at(20, 9))                    # Friday: window ends Mon 23 24:00
    signed = Appeal().dispatched("SAMR", at(20, 9)).signed("SAMR", at(20, 10))
    m = metrics(fresh, signed, now=at(21))["SAMR"]
    assert (m.received, m.response_decided, m.rates["response"]) == (2, 1, 1.0)
    assert m.undecided == {"response": 1, "on_time": 2}
    assert metrics(fresh, signed, now=at(24, 0))["SAMR"].rates["response"] == 0.5


def test_a_deadline_that_passed_without_a_stop_counts_as_late_before_sla_says_overdue():
    a = Appeal().dispatched("SAMR", at(2)).deadline("SAMR", at(10))
    assert metrics(a, now=at(9))["SAMR"].completion_decided == 0
    m = metrics(a, now=at(11))["SAMR"]
    assert (m.completion_decided, m.completed_on_time, m.rates["on_time"]) == (1, 0, 0.0)


def test_on_time_completion_uses_deadline_stops_and_leaves_undecided_appeals_out():
    met = Appeal().dispatched("SAMR", at(2)).stopped("SAMR", at(10), met=True)
    missed = Appeal().dispatched("SAMR", at(2)).stopped("SAMR", at(25), met=False)
    overdue_open = Appeal().dispatched("SAMR", at(2)).overdue("SAMR", at(21))
    late_but_met_stop = Appeal().dispatched("SAMR", at(2)).overdue("SAMR", at(21)).stopped("SAMR", at(22))
    running = Appeal().dispatched("SAMR", at(2))
    m = metrics(met, missed, overdue_open, late_but_met_stop, running)["SAMR"]
    assert (m.completion_decided, m.completed_on_time) == (4, 1)
    assert m.rates["on_time"] == 0.25
    assert m.overdue == 2


def test_resolution_and_satisfaction_count_rated_appeals_only_and_the_latest_rating():
    solved = Appeal().dispatched("SAMR", at(2)).evaluated(at(12), "satisfied", solved=True)
    basic = Appeal().dispatched("SAMR", at(2)).evaluated(at(12), "basically_satisfied", solved=False)
    unhappy_then_happy = (Appeal().dispatched("SAMR", at(2)).evaluated(at(12), "dissatisfied", solved=False)
                          .reopened(at(13)).evaluated(at(20), "satisfied", solved=True))
    unrated = Appeal().dispatched("SAMR", at(2))
    m = metrics(solved, basic, unhappy_then_happy, unrated)["SAMR"]
    assert (m.received, m.rated, m.resolved, m.satisfied) == (4, 3, 2, 3)
    assert m.rates["resolution"] == 2 / 3 and m.rates["satisfaction"] == 1.0
    assert m.reopened == 1


def test_an_evaluation_naming_another_unit_is_not_the_holders():
    a = Appeal().dispatched("SAMR", at(2)).evaluated(at(12), "dissatisfied", solved=False, unit="WATER")
    assert metrics(a)["SAMR"].rated == 0


def test_merged_duplicates_count_for_nobody():
    twin = Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(2, 11)).merged(at(2, 12))
    verdict = judge(twin.id, twin.facts())
    assert verdict.excluded == "merged duplicate"
    assert metrics(twin) == {}


def test_a_redispatched_appeal_counts_for_the_final_holder_and_as_a_return_for_the_first():
    a = (Appeal().dispatched("SAMR", at(2)).returned("SAMR", at(2, 15))
         .redispatched("SAMR", "WATER", at(3), group="enterprise").signed("WATER", at(3, 12))
         .evaluated(at(15), "satisfied"))
    m = metrics(a)
    assert (m["SAMR"].received, m["SAMR"].returned) == (0, 1)
    assert (m["WATER"].received, m["WATER"].signed_on_time, m["WATER"].rated) == (1, 1, 1)
    assert m["WATER"].group == "enterprise"


def test_a_return_without_a_new_letter_leaves_the_appeal_held_by_nobody():
    a = Appeal().dispatched("SAMR", at(2)).returned("SAMR", at(2, 15))
    m = metrics(a)["SAMR"]
    assert (m.received, m.returned) == (0, 1)


def test_an_upheld_return_leaves_the_appeal_with_the_unit_and_counts_its_return_once():
    # the centre upholds the original dispatch: routing re-dispatches the letter to the unit itself
    a = (Appeal().dispatched("SAMR", at(2)).returned("SAMR", at(2, 15))
         .redispatched("SAMR", "SAMR", at(3)).signed("SAMR", at(3, 12)))
    verdict = judge(a.id, a.facts())
    assert verdict.excluded is None and verdict.held is not None and verdict.held.unit_code == "SAMR"
    m = metrics(a)["SAMR"]
    assert (m.received, m.returned) == (1, 1)


def test_bouncing_back_to_the_first_unit_counts_one_return_and_one_held_appeal():
    a = (Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(2, 11)).returned("SAMR", at(2, 12))
         .redispatched("SAMR", "WATER", at(3)).returned("WATER", at(3, 12))
         .redispatched("WATER", "SAMR", at(4), attempt=3))
    m = metrics(a)
    assert (m["SAMR"].received, m["SAMR"].returned, m["WATER"].returned) == (1, 1, 1)
    assert m["SAMR"].signed_on_time == 0, "the signature of the first letter does not sign the third"


def test_numbers_count_in_the_month_the_unit_received_the_letter():
    october = Appeal().dispatched("SAMR", at(31, 23, month=10)).evaluated(at(5), "satisfied")
    november = Appeal().dispatched("SAMR", at(30, 23))
    assert metrics(october, november, period="2026-10")["SAMR"].rated == 1
    assert metrics(october, november, period="2026-11")["SAMR"].received == 1


def test_a_date_range_counts_letters_received_on_those_shanghai_days():
    early = Appeal().dispatched("SAMR", at(1, 0))
    inside = Appeal().dispatched("SAMR", at(10, 23))
    late = Appeal().dispatched("SAMR", at(11, 0))
    facts = facts_of(early.events + inside.events + late.events)
    m = aggregate(verdict_rows(verdicts(facts)), in_range(at(2).date(), at(10).date()), LATER)
    assert m["SAMR"].received == 1


def test_supervision_counts_each_appeal_once_at_its_highest_level():
    a = Appeal().dispatched("SAMR", at(2)).supervised("SAMR", at(21), 1).supervised("SAMR", at(25), 2)
    b = Appeal().dispatched("SAMR", at(2)).supervised("SAMR", at(21), 1)
    m = metrics(a, b)["SAMR"]
    assert m.supervised == 2 and m.supervision_levels == {1: 1, 2: 1, 3: 0}


def test_co_handling_units_are_assessed_on_their_part_only():
    a = (Appeal().dispatched("SAMR", at(2), co=("WATER", "POWER")).co_replied("WATER", "SAMR", at(5))
         .evaluated(at(12), "dissatisfied", solved=False))
    m = metrics(a)
    assert (m["WATER"].co_handled, m["WATER"].co_contributed, m["WATER"].received, m["WATER"].rated) == (1, 1, 0, 0)
    assert m["POWER"].co_handling_missed == 0, "not decided while the lead's case runs"
    assert m["SAMR"].rated == 1
    a.stopped("SAMR", at(10))
    assert metrics(a)["POWER"].co_handling_missed == 1


def test_average_working_days_counts_working_days_after_the_day_of_receipt():
    friday = Appeal().dispatched("SAMR", at(6)).replied("SAMR", at(9))      # Fri -> Mon: 1
    monday = Appeal().dispatched("SAMR", at(9)).replied("SAMR", at(16))     # Mon -> Mon: 5
    same_day = Appeal().dispatched("SAMR", at(9, 9)).replied("SAMR", at(9, 17))  # 0
    m = metrics(friday, monday, same_day)["SAMR"]
    assert (m.completed, m.working_days_total, m.average_working_days) == (3, 6, 2.0)


def test_working_days_skip_weekends_and_official_holidays_and_count_make_up_days():
    assert working_days_after(at(7), at(8)) == 0            # Saturday -> Sunday
    assert working_days_after(at(6), at(13)) == 5           # Friday -> next Friday
    assert working_days_after(at(9), at(2)) == 0            # reply stamped before receipt
    assert working_days_after(at(30, month=9), at(9, month=10)) == 2   # 1-7 Oct off; Sat 10 Oct is not reached
    assert working_days_after(at(9, month=10), at(10, month=10)) == 1  # 10 Oct 2026 (Sat) is a make-up day
