"""Property: running totals kept event by event (what the consumer stores) equal the month
computed from all facts at once, for events in any order, delivered any number of times."""

import random
from datetime import timedelta

from assessment_builders import at, facts_of
from hypothesis import given, settings
from hypothesis import strategies as st
from test_assessment_order_independence import EVENTS, WEIGHTS

from services.assessment.domain.metrics import metrics_of
from services.assessment.domain.report import as_rows, in_month, scorecards, scorecards_of_facts, verdict_rows, verdicts
from tests.fakes.assessment import FakeAssessmentStore


class Store(FakeAssessmentStore):
    """The consumer's tables in memory (tests/fakes/assessment.py), given one fact at a time as
    the consumer's `apply_facts` gives them: store it, judge its appeal again if it was new."""

    def apply(self, fact) -> None:
        stored = self.store([fact])
        if stored:  # ON CONFLICT DO NOTHING: nothing changed, nothing judged
            self.replace_rows([fact.appeal_id], verdict_rows(verdicts(stored)))

    def metrics(self, period, now):
        late: dict = {}
        for (p, unit, counter, moment), n in self.moments.items():
            if p == period and moment <= now:
                bucket = late.setdefault(unit, {})
                bucket[counter] = bucket.get(counter, 0) + n
        return [metrics_of(unit, self.groups.get((p, unit), (None, "ungrouped"))[1], t, late.get(unit, {}))
                for (p, unit), t in sorted(self.totals.items()) if p == period and any(t.values())]


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(), duplicates=st.lists(st.integers(0, len(EVENTS) - 1), max_size=10),
       days=st.integers(0, 40))
def test_totals_kept_event_by_event_equal_the_month_computed_from_all_facts(seed, duplicates, days):
    events = EVENTS + [EVENTS[i] for i in duplicates]
    random.Random(seed).shuffle(events)
    store = Store()
    for fact in facts_of(events):
        store.apply(fact)
    now = at(2) + timedelta(days=days)   # some windows and deadlines ended, some not yet
    expected = as_rows(scorecards_of_facts(facts_of(EVENTS), in_month("2026-11"), now, WEIGHTS))
    assert as_rows(scorecards(store.metrics("2026-11", now), WEIGHTS)) == expected
