"""`make demo`'s own job, small: a seeded city through all five services on a fast virtual
clock, and a report whose accounting closes (submitted = accepted + rejected + merged +
dead-lettered, nothing missing) with rejections, dispatches, overdue appeals and a ranking."""

import asyncio
import re

from hotline.demo import run_demo
from hotline.provision import drop_environments
from hotline.registry import PROCESSES
from shared.settings import Settings

PORTS = {name: 18601 + i for i, name in enumerate(PROCESSES)}  # the five and the workbench, off the demo's own 8000-8005
KIND = "demotest"  # its own databases and topics: a demo running on this stack is left alone


def test_a_small_simulated_city_runs_through_and_its_report_adds_up(monkeypatch, capsys):
    for name, port in PORTS.items():
        monkeypatch.setenv(f"HOTLINE_{name.upper()}_PORT", str(port))
    try:
        # 400 appeals over two virtual hours, then 25 days of handling at a day per second
        assert run_demo(once=True, appeals=400, days=0.1, settle_days=25, speed=86400.0, seed=11,
                        kind=KIND) == 0
    finally:
        asyncio.run(drop_environments(Settings(), KIND))
    report = capsys.readouterr().out
    print(report)

    accounting = re.search(r"submitted (\d+) = (.*) \((.*)\)", report)
    assert accounting, report
    submitted, outcomes, verdict = int(accounting[1]), {
        name: int(n) for name, n in (part.rsplit(" ", 1) for part in accounting[2].split(", "))}, accounting[3]
    assert submitted == 400 and verdict == "nothing missing"
    assert sum(outcomes.values()) == submitted
    for outcome in ("accepted", "rejected", "merged", "dead_letter"):
        assert outcomes.get(outcome, 0) > 0, f"the simulation files some {outcome} appeals: {outcomes}"
    assert re.search(r"rejections: .*emergency \d+", report), "emergencies are turned away with their reason"

    assert re.search(r"dispatches by unit: [A-Z][A-Z-]+ [1-9]\d*", report), "units got transfer letters"
    overdue = int(re.search(r"overdue (\d+); supervision", report)[1])
    assert overdue > 0, "25 days is past the 2- and 5-day limits of the late replies"
    clusters = re.search(r"concentrated-appeal clusters (\d+) \(seeded problems (\d+)", report)
    assert clusters and abs(int(clusters[1]) - int(clusters[2])) <= 1, "sla finds the problems the city seeded"
    assert re.search(r"== unit ranking, \d{4}-\d{2} \(each group ranked", report)
    assert re.search(r"^ +1\. \S+ +score +\d+\.\d\d", report, re.MULTILINE), "a ranked unit with its score"
    assert f"http://127.0.0.1:{PORTS['publication']}/public" in report
