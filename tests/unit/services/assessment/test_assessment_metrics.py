"""Each metric and exclusion on hand-checked examples (services/assessment/domain)."""

from datetime import datetime, timedelta

from assessment_builders import Appeal, at, facts_of

from services.assessment.domain.appeals import judge
from services.assessment.domain.metrics import aggregate
from services.assessment.domain.report import in_month, in_range, verdicts
from services.assessment.domain.workdays import weekdays_after


def metrics(*appeals: Appeal, period: str = "2026-11"):
    facts = [f for a in appeals for f in a.facts()]
    return aggregate(verdicts(facts), in_month(period))


def test_response_rate_counts_signatures_within_24_hours_and_unsigned_as_late():
    on_time = Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(3))              # exactly 24 h
    late = Appeal().dispatched("SAMR", at(2)).signed("SAMR", at(3) + timedelta(seconds=1))
    unsigned = Appeal().dispatched("SAMR", at(2))
    m = metrics(on_time, late, unsigned)["SAMR"]
    assert (m.received, m.signed_on_time) == (3, 1)
    assert m.rates["response"] == 1 / 3


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
    m = aggregate(verdicts(facts), in_range(at(2).date(), at(10).date()))
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
    assert m["POWER"].co_handling_missed == 1
    assert m["SAMR"].rated == 1


def test_average_working_days_counts_weekdays_after_the_day_of_receipt():
    friday = Appeal().dispatched("SAMR", at(6)).replied("SAMR", at(9))      # Fri -> Mon: 1
    monday = Appeal().dispatched("SAMR", at(9)).replied("SAMR", at(16))     # Mon -> Mon: 5
    same_day = Appeal().dispatched("SAMR", at(9, 9)).replied("SAMR", at(9, 17))  # 0
    m = metrics(friday, monday, same_day)["SAMR"]
    assert (m.completed, m.working_days_total, m.average_working_days) == (3, 6, 2.0)


def test_weekdays_after_is_zero_or_more_and_skips_weekends():
    assert weekdays_after(at(7), at(8)) == 0            # Saturday -> Sunday
    assert weekdays_after(at(6), at(13)) == 5           # Friday -> next Friday
    assert weekdays_after(at(9), at(2)) == 0            # reply stamped before receipt
    assert weekdays_after(datetime(2000, 12, 29, tzinfo=at(1).tzinfo), at(1)) > 0  # before the epoch
