"""Same seed, same report (issue 19, item 6): the stepped clock every process reads, and
simulation plans that do not depend on the order the platform's events were seen in."""

import json
import random
import threading
from collections import namedtuple
from datetime import UTC, datetime, timedelta

import pytest

from hotline.simulation.behaviour import Temperament, plan_for, rng_for
from hotline.simulation.driver import CENTRE, UNITS, CitySimulation, Ledger, Stepper, canonical_ids
from hotline.simulation.generator import submissions
from shared.clock import Clock, read_clock_file, write_clock_file
from shared.contracts.local_time import SHANGHAI
from shared.settings import Settings

T0 = datetime(2026, 3, 16, 1, tzinfo=UTC)


# --- the stepped clock ------------------------------------------------------------------------


def test_a_stepped_clock_shows_what_the_file_holds_and_nothing_else(tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, T0)
    clock = Clock(file=str(path))
    assert clock.stepped and clock.now() == T0
    assert clock.now() == T0, "time does not pass by itself"
    write_clock_file(path, T0 + timedelta(hours=1))
    assert clock.now() == T0 + timedelta(hours=1), "every read sees the latest step"
    assert list(tmp_path.iterdir()) == [path], "the temporary sibling was renamed over the file"


def test_the_file_is_written_in_utc_and_read_back_with_its_zone(tmp_path):

    path = tmp_path / "clock"
    write_clock_file(path, datetime(2026, 3, 16, 9, tzinfo=SHANGHAI))
    assert path.read_text() == "2026-03-16T01:00:00+00:00"
    assert read_clock_file(str(path)) == T0


def test_readers_never_see_a_half_written_instant(tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, T0)
    clock, seen, stop = Clock(file=str(path)), set(), threading.Event()

    def read():
        while not stop.is_set():
            seen.add(clock.now())
    reader = threading.Thread(target=read)
    reader.start()
    for hour in range(300):
        write_clock_file(path, T0 + timedelta(hours=hour))
    stop.set()
    reader.join()
    assert seen <= {T0 + timedelta(hours=h) for h in range(300)}


def test_settings_choose_the_file_clock_over_the_continuous_one(tmp_path, monkeypatch):
    path = tmp_path / "clock"
    write_clock_file(path, T0)
    monkeypatch.setenv("HOTLINE_CLOCK_START", "2020-01-01T00:00:00+00:00")
    monkeypatch.setenv("HOTLINE_CLOCK_FILE", str(path))
    clock = Settings().clock()
    assert clock.stepped and clock.now() == T0


def test_production_keeps_real_time(tmp_path):
    # Built without validation: production's secrets are not what this checks.
    production = Settings.model_construct(**{**Settings().model_dump(), "env": "production",
                                             "clock_file": str(tmp_path / "clock")})
    with pytest.raises(ValueError, match="not production"):
        production.clock()
    assert not Settings.model_construct(**{**production.model_dump(), "clock_file": None}).clock().stepped


# --- plans --------------------------------------------------------------------------------------


def test_a_plan_depends_on_seed_and_key_only():
    one = plan_for(rng_for(7, "sim-7-12", "letter", 1), "consumer_complaint", None, 1)
    # whatever was drawn before, for other appeals
    noise = rng_for(7, "sim-7-99", "letter", 1)
    [noise.random() for _ in range(50)]
    assert plan_for(rng_for(7, "sim-7-12", "letter", 1), "consumer_complaint", None, 1) == one
    others = {plan_for(rng_for(seed, key, "letter", 1), "consumer_complaint", None, 1)
              for seed in (7, 8) for key in ("sim-7-12", "sim-7-13")}
    assert len(others) == 4, "another seed or another appeal draws another plan"


def test_a_duplicate_is_planned_as_its_original():
    items = list(submissions(11, 400, T0, timedelta(hours=2)))
    canonical = canonical_ids(items)
    merged = [i for i in items if i.expect == "merged"]
    assert merged, "the generator files duplicates"
    for dup in merged:
        original = canonical[dup.message_id]
        assert original != dup.message_id
        first = next(i for i in items if i.message_id == original)
        assert (first.body["description"], first.body["district"]) == (dup.body["description"], dup.body["district"])
    ordinary = [i for i in items if i.expect == "accepted"]
    assert sum(canonical[i.message_id] == i.message_id for i in ordinary) >= len(ordinary) * 0.9


Record = namedtuple("Record", "topic partition offset headers value")


def _events(appeals: int) -> list[Record]:
    """Acceptances, letters, a return, an extension request, replies and a reopening."""
    out = []
    for n in range(appeals):
        appeal = f"00000000-0000-0000-0000-{n:012d}"
        out += [
            ("hotline.intake.v1", "hotline.appeal.accepted.v1",
             {"appeal_id": appeal, "appeal_type": "consumer_complaint", "tracking_number": f"SY{n}",
              "channel_message_id": f"sim-11-{n}"}),
            ("hotline.routing.v1", "hotline.appeal.dispatched.v1",
             {"appeal_id": appeal, "unit_code": "SAMR", "attempt": 1, "district": "heping",
              "appeal_type": "consumer_complaint", "subtype": None}),
        ]
        if n % 3 == 0:
            out.append(("hotline.routing.v1", "hotline.appeal.returned.v1", {"appeal_id": appeal, "unit_code": "SAMR"}))
        if n % 4 == 0:
            out.append(("hotline.routing.v1", "hotline.appeal.extension-requested.v1",
                        {"appeal_id": appeal, "unit_code": "SAMR"}))
        if n % 2 == 0:
            out += [("hotline.routing.v1", "hotline.appeal.replied.v1", {"appeal_id": appeal, "outcome": "solved"}),
                    ("hotline.routing.v1", "hotline.appeal.reopened.v1", {"appeal_id": appeal})]
    return [Record(topic, 0, i, [("ce_type", kind.encode())], json.dumps(body).encode())
            for i, (topic, kind, body) in enumerate(out)]


def _planned(tmp_path, records: list[Record]) -> tuple[list[tuple], Ledger]:
    write_clock_file(tmp_path / "clock", T0)
    clock = Clock(file=str(tmp_path / "clock"))
    simulation = CitySimulation(Settings(), clock, seed=11, stepper=Stepper(str(tmp_path / "clock")),
                                temperament=Temperament(return_rate=0.3, extension_rate=0.5))
    simulation._governments = {"heping": "DIST-HEPING"}
    simulation._canonical = {f"sim-11-{n}": f"sim-11-{n}" for n in range(60)}
    for record in records:
        simulation._observe(record)
    return sorted(entry[:3] for entry in simulation._queue), simulation.ledger


def test_what_the_simulation_plans_does_not_depend_on_the_order_it_saw_events_in(tmp_path):
    """Across appeals the order of arrival differs between runs (partitions, a loaded machine);
    within an appeal it does not (one partition). The plans must come out the same."""
    records = _events(60)
    by_appeal: dict[str, list[Record]] = {}
    for record in records:
        by_appeal.setdefault(json.loads(record.value)["appeal_id"], []).append(record)
    shuffled, rng = [], random.Random(3)
    queues = [list(v) for v in by_appeal.values()]
    while queues:  # interleave appeals at random, keeping each appeal's own order
        queue = rng.choice(queues)
        shuffled.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    assert shuffled != records
    first, ledger_a = _planned(tmp_path, records)
    second, ledger_b = _planned(tmp_path, shuffled)
    assert first == second
    assert ledger_a.returns == ledger_b.returns and ledger_a.dispatches == ledger_b.dispatches
    phases = {entry[0] for entry in first}
    assert phases == {CENTRE, UNITS}, "the centre's reviews and decisions, the units' actions"
    kinds = {entry[2][-1] for entry in first}
    assert {"sign", "reply", "review", "extension-decision", "rating", "reply-again"} <= kinds


async def test_within_a_step_the_centre_acts_before_the_units(tmp_path):
    write_clock_file(tmp_path / "clock", T0)
    simulation = CitySimulation(Settings(), Clock(file=str(tmp_path / "clock")), seed=1,
                                stepper=Stepper(str(tmp_path / "clock")))
    done = []

    def note(name):
        async def act():
            done.append(name)
        return act
    simulation.at(T0 + timedelta(minutes=10), UNITS, ("b", 1, "reply"), note("unit reply"))
    simulation.at(T0 + timedelta(minutes=50), CENTRE, ("a", 1, "extension-decision"), note("centre decision"))
    simulation.at(T0 + timedelta(minutes=5), UNITS, ("a", 1, "sign"), note("unit sign"))
    simulation.at(T0 + timedelta(hours=2), CENTRE, ("c", 1, "review"), note("later"))
    assert await simulation._run_due(T0 + timedelta(hours=1)) == 3
    assert done == ["centre decision", "unit sign", "unit reply"]
    assert len(simulation._queue) == 1
