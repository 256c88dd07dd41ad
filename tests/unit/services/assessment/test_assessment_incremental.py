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
from services.assessment.domain.verdicts import COUNTERS, delta, group_of, moment_delta


class Store:
    """The consumer's tables in memory: facts, verdict rows per appeal, totals per (month, unit),
    pending moments per (month, unit, counter, moment)."""

    def __init__(self) -> None:
        self.facts: dict = {}
        self.rows: dict = {}
        self.totals: dict = {}
        self.groups: dict = {}
        self.moments: dict = {}

    def apply(self, fact) -> None:
        key = (fact.appeal_id, fact.kind, fact.unit_code, fact.occurred_at)
        if key in self.facts:
            return  # ON CONFLICT DO NOTHING: nothing changed, nothing judged
        self.facts[key] = fact
        mine = [f for k, f in self.facts.items() if k[0] == fact.appeal_id]
        new = verdict_rows(verdicts(mine))
        old = self.rows.get(fact.appeal_id, [])
        self.rows[fact.appeal_id] = new
        for unit_key, change in delta(old, new).items():
            bucket = self.totals.setdefault(unit_key, dict.fromkeys(COUNTERS, 0))
            for name, n in change.items():
                bucket[name] += n
        for key, n in moment_delta(old, new).items():
            self.moments[key] = self.moments.get(key, 0) + n
        for unit_key, mark in group_of(new).items():
            if unit_key not in self.groups or mark > self.groups[unit_key]:
                self.groups[unit_key] = mark

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
