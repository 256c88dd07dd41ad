"""`make demo`'s own job, small: a seeded city through all five services on the stepped virtual
clock, a report whose accounting closes (submitted = accepted + rejected + merged +
dead-lettered, nothing missing) with rejections, dispatches, overdue appeals, the centre's
work and a ranking - and the same report again on a machine loaded by CPU burners (issue 19:
same seed, same report)."""

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time
from datetime import datetime

import pytest

from hotline.demo import run_demo
from hotline.provision import drop_environments
from hotline.registry import PROCESSES
from shared.settings import Settings

PORTS = {name: 18601 + i for i, name in enumerate(PROCESSES)}  # the five and the workbench, off the demo's own 8000-8005
KIND = "demotest"  # its own databases and topics: a demo running on this stack is left alone
# A Monday in mid-March: the 25 days of handling end in April, so March can be closed.
START = datetime.fromisoformat("2026-03-16T09:00:00+08:00")
BURN_SECONDS = 900  # a burner stops by itself after this, even if the test is killed


def small_demo(capsys) -> tuple[str, float]:
    began = time.monotonic()
    try:
        # 400 appeals over two virtual hours, then 25 days of handling, 3 virtual hours a step
        assert run_demo(once=True, appeals=400, days=0.1, settle_days=25, speed=86400.0, seed=11,
                        kind=KIND, start=START, step_minutes=180) == 0
    finally:
        asyncio.run(drop_environments(Settings(), KIND))
    report = capsys.readouterr().out
    print(report)
    return report, time.monotonic() - began


@contextlib.contextmanager
def cpu_burners(count: int, seconds: float):
    """Processes that spin a core each until `seconds` passed (bounded: they end by themselves)."""
    code = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"
    burners = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]
    try:
        yield burners
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def deterministic_part(report: str) -> list[str]:
    """The report from acceptance to the ranking, without the two parts a machine's speed or the
    order of reading partitions may change: the clock's wall-time footnote, and the number of
    concentrated-appeal clusters (which appeals of one step open a cluster depends on the order
    sla reads them; no score depends on it)."""
    body = report[report.index("== acceptance =="):report.index("== where to look ==")]
    lines = []
    for line in body.splitlines():
        if line.strip().startswith("(clock:"):
            continue
        lines.append(re.sub(r"; concentrated-appeal clusters \d+", "", line))
    return lines


@pytest.mark.timeout(1800)  # two demos, the second on a machine made slow on purpose
def test_a_small_simulated_city_gives_the_same_report_on_a_quiet_and_a_loaded_machine(monkeypatch, capsys):
    for name, port in PORTS.items():
        monkeypatch.setenv(f"HOTLINE_{name.upper()}_PORT", str(port))
    quiet, quiet_seconds = small_demo(capsys)

    accounting = re.search(r"submitted (\d+) = (.*) \((.*)\)", quiet)
    assert accounting, quiet
    submitted, outcomes, verdict = int(accounting[1]), {
        name: int(n) for name, n in (part.rsplit(" ", 1) for part in accounting[2].split(", "))}, accounting[3]
    assert submitted == 400 and verdict == "nothing missing"
    assert sum(outcomes.values()) == submitted
    for outcome in ("accepted", "rejected", "merged", "dead_letter"):
        assert outcomes.get(outcome, 0) > 0, f"the simulation files some {outcome} appeals: {outcomes}"
    assert re.search(r"rejections: .*emergency \d+", quiet), "emergencies are turned away with their reason"
    assert re.search(r"dispatches by unit: [A-Z][A-Z-]+ [1-9]\d*", quiet), "units got transfer letters"
    overdue = int(re.search(r"overdue (\d+); supervision", quiet)[1])
    assert overdue > 0, "25 days is past the 2- and 5-day limits of the late replies"
    clusters = re.search(r"concentrated-appeal clusters (\d+) \(seeded problems (\d+)", quiet)
    assert clusters and abs(int(clusters[1]) - int(clusters[2])) <= 1, "sla finds the problems the city seeded"
    # The centre's part: returns reviewed, extensions decided, reopened appeals answered, March closed.
    centre = re.search(r"the centre: returns reviewed (.*); extensions decided (.*); reopened (\d+), "
                       r"answered again (\d+)", quiet)
    assert centre, quiet
    assert re.search(r"(redispatch|uphold) [1-9]", centre[1]) and re.search(r"approved [1-9]", centre[2])
    assert int(centre[4]) > 0
    # Intake's review queue is worked (every held appeal classified: accepted or corrected) and
    # the return calls of twice-dissatisfied petitioners decided (there may be none in 400).
    queues = re.search(r"the centre's queues: held appeals reviewed (.*); return calls decided (.*)", quiet)
    assert queues, quiet
    reviewed = {name: int(n) for name, n in (part.rsplit(" ", 1) for part in queues[1].split(", "))}
    assert set(reviewed) <= {"accepted the model's guess", "corrected"}, reviewed
    assert sum(reviewed.values()) == outcomes.get("held", 0) > 0, (reviewed, outcomes)
    assert queues[2] == "none" or re.fullmatch(r"(close \d+)?(, )?(reopen \d+)?", queues[2]), queues[2]
    assert "month: 2026-03 closed" in quiet
    assert re.search(r"== unit ranking, 2026-03 \(each group ranked", quiet)
    assert re.search(r"^ +1\. \S+ +score +\d+\.\d\d", quiet, re.MULTILINE), "a ranked unit with its score"
    assert f"http://127.0.0.1:{PORTS['publication']}/public" in quiet

    with cpu_burners(os.cpu_count() or 2, BURN_SECONDS) as burners:
        loaded, loaded_seconds = small_demo(capsys)
        still_burning = sum(b.poll() is None for b in burners)
    print(f"quiet run {quiet_seconds:.0f} s, loaded run {loaded_seconds:.0f} s "
          f"({len(burners)} CPU burners, {still_burning} still spinning at its end)")
    assert still_burning == len(burners), "the second run had the machine loaded throughout"
    assert deterministic_part(loaded) == deterministic_part(quiet)
