"""The fast paths of judging (appeals.judge, verdicts.rows_of / contribution / group_of) give what
their plain definitions give, whatever zone object the event times carry."""

from datetime import UTC, timedelta, timezone
from uuid import uuid4

from assessment_builders import Appeal, at
from hypothesis import given, settings
from hypothesis import strategies as st

from services.assessment.domain.appeals import HeldAppeal, judge
from services.assessment.domain.facts import fact_of
from services.assessment.domain.verdicts import (
    CO_HANDLER,
    COLUMNS,
    COUNTERS,
    EXCLUDED,
    HOLDER,
    RETURNED,
    VerdictRow,
    contribution,
    group_of,
    rows_of,
    values,
)


def busy_appeal() -> Appeal:
    order = uuid4()
    return (Appeal(1).dispatched("SAMR", at(2)).returned("SAMR", at(2, 11))
            .dispatched("HEPING", at(3), group="district_government", attempt=2, co=("WATER",))
            .deadline("HEPING", at(20))
            .signed("HEPING", at(3, 12)).co_replied("WATER", "HEPING", at(4)).overdue("HEPING", at(21))
            .supervised("HEPING", at(22), 1).ordered("HEPING", at(22, 12), order=order)
            .order_answered("HEPING", order, at(23)).replied("HEPING", at(24)).stopped("HEPING", at(24), met=False)
            .evaluated(at(25), "satisfied", solved=False).reopened(at(25, 12)).return_call(at(26)))


def test_the_holders_row_carries_each_of_the_holders_values_under_its_name():
    appeal = busy_appeal()
    verdict = judge(appeal.id, appeal.facts())
    held = verdict.held
    assert held is not None
    [row] = [r for r in rows_of(verdict) if r.role == HOLDER]
    shared = set(HeldAppeal._fields) & set(VerdictRow._fields)
    assert {name: getattr(row, name) for name in shared} == {name: getattr(held, name) for name in shared}
    assert (row.unit_group, row.contributed, row.lead_unit_code, row.reason) == (held.group, None, None, None)


def test_values_are_the_row_in_column_order_with_pending_last():
    appeal = busy_appeal()
    for row in rows_of(judge(appeal.id, appeal.facts())):
        assert dict(zip(COLUMNS, values(row), strict=True)) == {**row._asdict(), "pending": row.pending}


def test_times_in_any_zone_object_judge_alike():
    # The replay's times each carry pydantic's own tzinfo; stored facts come back in UTC.
    appeal = busy_appeal()
    decoded = [fact_of(type(e).__pydantic_validator__.validate_json(e.model_dump_json()), uuid4(), e.event_type)
               for e in appeal.events]
    facts = [f for f in decoded if f is not None]
    in_utc = [f._replace(occurred_at=f.occurred_at.astimezone(UTC)) for f in facts]
    in_new_york = [f._replace(occurred_at=f.occurred_at.astimezone(timezone(timedelta(hours=-5)))) for f in facts]
    found = rows_of(judge(appeal.id, facts))
    assert {r.role for r in found} == {HOLDER, RETURNED, CO_HANDLER}
    assert found == rows_of(judge(appeal.id, in_utc)) == rows_of(judge(appeal.id, in_new_york[::-1]))


def plain_contribution(row: VerdictRow) -> dict[str, int]:
    """contribution() as first written: every counter named, the zeros dropped."""
    if row.role == RETURNED:
        return {"returned": 1}
    if row.role == CO_HANDLER:
        counts = {"co_handled": 1, "co_contributed": int(bool(row.contributed)),
                  "co_known": int(bool(row.contributed) or row.completed_on_time is not None)}
    elif row.role != HOLDER:
        return {}
    else:
        level = row.supervision_level
        counts = {
            "received": 1, "signed": int(row.signed_at is not None),
            "signed_on_time": int(row.signed_at is not None and row.response_ends_at is not None
                                  and row.signed_at <= row.response_ends_at),
            "completion_known": int(row.completed_on_time is not None),
            "completed_on_time": int(bool(row.completed_on_time)), "rated": int(row.resolved is not None),
            "resolved": int(bool(row.resolved)), "satisfied": int(bool(row.satisfied)), "reopened": row.reopened,
            "reopened_letters": int(row.reopened > 0), "overdue": int(row.overdue), "supervised": int(level > 0),
            "supervision_level_1": int(level == 1), "supervision_level_2": int(level == 2),
            "supervision_level_3": int(level == 3), "completed": int(row.working_days is not None),
            "working_days_total": row.working_days or 0, "return_called": int(row.return_called),
            "supervision_ordered": int(row.supervision_orders > 0),
            "ordered_unescalated": int(row.supervision_orders > 0 and level < 2),
            "orders_unanswered": int(row.orders_unanswered > 0)}
    return {k: v for k, v in counts.items() if v}


maybe_time = st.one_of(st.none(), st.sampled_from([at(2), at(3, 23), at(4), at(4, 0) + timedelta(seconds=1)]))
rows = st.builds(
    VerdictRow, st.just(uuid4()), st.sampled_from([HOLDER, RETURNED, CO_HANDLER, EXCLUDED]),
    st.sampled_from(["SAMR", "WATER"]), st.sampled_from([at(2), at(2, 12).astimezone(UTC)]), st.just("2026-11"),
    unit_group=st.sampled_from([None, "enterprise", "municipal_department"]), signed_at=maybe_time,
    response_ends_at=st.sampled_from([None, at(4, 0)]), completed_on_time=st.sampled_from([None, True, False]),
    resolved=st.sampled_from([None, True, False]), satisfied=st.sampled_from([None, True, False]),
    reopened=st.integers(0, 3), overdue=st.booleans(), supervision_level=st.integers(0, 3),
    working_days=st.sampled_from([None, 0, 1, 7]), contributed=st.sampled_from([None, True, False]),
    return_called=st.booleans(), supervision_orders=st.integers(0, 2), orders_unanswered=st.integers(0, 2))


@settings(max_examples=300, deadline=None)
@given(rows)
def test_contribution_is_the_plain_definition_in_counter_order(row):
    found = contribution(row)
    assert found == plain_contribution(row)
    assert list(found) == [c for c in COUNTERS if c in found]


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=12))
def test_group_of_is_the_latest_letter_then_the_greatest_group(some):
    expected: dict = {}
    for row in some:
        if row.role != CO_HANDLER:
            key, mark = (row.period, row.unit_code), (row.received_at, row.unit_group or "ungrouped")
            expected[key] = max(expected.get(key, mark), mark)
    assert group_of(some) == expected
