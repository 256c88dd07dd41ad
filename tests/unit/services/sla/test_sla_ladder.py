"""The reminder / supervision ladder on the working-day calendar (services/sla/domain/ladder.py)."""

from datetime import date, datetime, timedelta

import pytest
from sla_builders import RULES, at, dispatched_row

from services.sla.domain import deadline_state as state
from services.sla.domain import ladder
from services.sla.domain.deadlines import deadline_from


def fire_times(cal, due_at, early=False, not_before=at(2026, 1, 1)) -> dict[str, datetime]:
    planned = ladder.schedule(RULES.ladder, cal, due_at, early_reminder=early, not_before=not_before)
    return {p.step.name: p.fire_at for p in planned}


def test_default_ladder_around_a_plain_deadline(cal):
    # Complaint received Mon Mar 2 2026: 20 working days end Mon Mar 30, due at its 24:00.
    due = deadline_from(cal, at(2026, 3, 2, 10), 20).due_at
    assert due == at(2026, 3, 31)
    times = fire_times(cal, due)
    assert times["reminder"] == at(2026, 3, 30)          # start of the last working day
    assert times["overdue"] == times["supervision_1"] == due
    # Qingming 2026 (Sat Apr 4 - Mon Apr 6) is skipped: Mar 31, Apr 1, 2, 3, 7 -> 24:00 Tue Apr 7.
    assert times["supervision_2"] == at(2026, 4, 8)
    # ... and Apr 8, 9, 10, 13, 14 -> 24:00 Tue Apr 14.
    assert times["supervision_3"] == at(2026, 4, 15)
    assert "early_reminder" not in times


def test_reminder_before_a_holiday_counts_back_over_it(cal):
    # Last working day Tue Feb 24 2026 (right after the Spring Festival): three days left
    # starts on the make-up Saturday Feb 14 (Feb 13, 14, 24... counted back: 24, 14, 13).
    due = at(2026, 2, 25)
    times = fire_times(cal, due, early=True)
    assert times["reminder"] == at(2026, 2, 24)
    assert times["early_reminder"] == at(2026, 2, 13)


def test_supervision_levels_skip_national_day(cal):
    # Last working day Wed Sep 30 2026; Oct 1-7 holidays, Sat Oct 10 a make-up day.
    times = fire_times(cal, at(2026, 10, 1))
    # 5 working days after Sep 30: Oct 8, 9, 10, 12, 13 -> 24:00 Oct 13.
    assert times["supervision_2"] == at(2026, 10, 14)


def test_steps_before_the_clock_start_fire_when_it_starts(cal):
    received = at(2026, 3, 2, 10)
    due = deadline_from(cal, received, 2).due_at  # consultation: due 24:00 Wed Mar 4
    times = fire_times(cal, due, early=True, not_before=received)
    assert times["early_reminder"] == received       # would be 00:00 Mar 2, before the letter
    assert times["reminder"] == at(2026, 3, 4)


def test_firing_order_and_next_pending(cal):
    planned = ladder.schedule(RULES.ladder, cal, at(2026, 3, 31), early_reminder=False, not_before=at(2026, 3, 2))
    names = [p.step.name for p in planned]
    assert names == ["reminder", "overdue", "supervision_1", "supervision_2", "supervision_3"]
    assert ladder.next_pending(planned, {"reminder", "overdue"}).step.name == "supervision_1"
    assert ladder.next_pending(planned, set(names)) is None
    due = ladder.due_now(planned, {"reminder"}, at(2026, 3, 31))
    assert [p.step.name for p in due] == ["overdue", "supervision_1"]


def test_ladder_steps_crossing_into_an_unpublished_year_use_the_provisional_rule(cal):
    # Last working day Thu Dec 31 2026; 2027 Jan 1 is a fixed-date holiday, then a weekend.
    times = fire_times(cal, at(2027, 1, 1))
    assert times["supervision_2"] == at(2027, 1, 9)  # Jan 4..8 are the 5 working days


@pytest.mark.parametrize("bad", [
    [{"step": "a", "kind": "overdue", "offset_working_days": -1, "reason": "x"}],
    [{"step": "a", "kind": "supervision", "offset_working_days": 0, "reason": "x"}],
    [{"step": "a", "kind": "reminder", "level": 2, "offset_working_days": -1, "reason": "x"}],
    [{"step": "a", "kind": "alarm", "offset_working_days": 0, "reason": "x"}],
    [{"step": "a", "kind": "overdue", "offset_working_days": 0, "reason": "x"}] * 2,
])
def test_a_wrong_ladder_is_refused(bad):
    with pytest.raises(ValueError):
        ladder.parse_steps(bad)


# --- deadline state changes --------------------------------------------------------------


def test_a_dispatched_row_points_at_its_first_step(cal):
    row = dispatched_row(cal)
    assert row["state"] == "awaiting_signature"
    assert row["due_at"] == at(2026, 3, 31) and row["next_step"] == "reminder"
    assert row["next_fire_at"] == at(2026, 3, 30)


def test_signing_later_recounts_from_the_signing_day(cal):
    row = dispatched_row(cal)
    row.update(state="open", received_at=at(2026, 3, 3, 9))
    state.recompute(row, cal, RULES, at(2026, 3, 3, 9))
    assert row["starts_on"] == date(2026, 3, 3) and row["due_at"] == at(2026, 4, 1)


def test_extension_moves_the_deadline_by_working_days_and_restarts_the_ladder(cal):
    row = dispatched_row(cal)
    row.update(fired_steps=["reminder"], epoch=1)
    state.extend(row, 5)
    state.recompute(row, cal, RULES, at(2026, 3, 20))
    # 5 working days after Mon Mar 30, over Qingming: Mar 31, Apr 1, 2, 3, 7 -> due 24:00 Apr 7.
    assert row["due_at"] == at(2026, 4, 8) and row["working_days"] == 25
    assert row["epoch"] == 2 and row["fired_steps"] == [] and row["next_step"] == "reminder"


def test_extension_over_a_holiday(cal):
    # Last working day Wed Sep 30 2026; 3 more working days: Oct 8, 9, 10 (make-up Saturday).
    row = dispatched_row(cal, received=at(2026, 9, 28, 9), days=2)
    assert row["due_at"] == at(2026, 10, 1)
    state.extend(row, 3)
    state.recompute(row, cal, RULES, at(2026, 9, 29))
    assert row["due_at"] == at(2026, 10, 11)


def test_redispatch_restarts_everything(cal):
    row = dispatched_row(cal)
    row.update(extended_days=5, supervision_level=2, fired_steps=["reminder", "overdue"], overdue_since=at(2026, 3, 31))
    state.restart(row, received_at=at(2026, 4, 20, 15), state="awaiting_signature")
    state.recompute(row, cal, RULES, at(2026, 4, 20, 15))
    assert row["epoch"] == 2 and row["extended_days"] == 0 and row["supervision_level"] == 0
    assert row["overdue_since"] is None and row["working_days"] == 20
    assert row["starts_on"] == date(2026, 4, 20)


def test_reply_stops_the_clock_and_says_whether_it_was_met(cal):
    row = dispatched_row(cal)
    assert state.stop(dict(row), at(2026, 3, 30, 23)) is True
    late = dict(row)
    assert state.stop(late, at(2026, 3, 31, 0)) is False  # 24:00 itself is too late
    assert late["state"] == "stopped" and late["next_fire_at"] is None
    state.plan_next(late, cal, RULES)
    assert late["next_step"] is None


def test_extension_requests_after_the_deadline_or_after_a_reply_are_refused(cal):
    row = dispatched_row(cal)
    assert state.extension_refusal(row, row["due_at"] - timedelta(seconds=1)) is None
    assert "after the deadline" in state.extension_refusal(row, row["due_at"])
    row["state"] = "stopped"
    assert "already replied" in state.extension_refusal(row, at(2026, 3, 5))
