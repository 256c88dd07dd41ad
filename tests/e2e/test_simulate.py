"""`hotline simulate` against a platform already running on a virtual clock (as `hotline up` or a
deployment would be): the seeded city goes through it and the report accounts for every
submission; the exit status says whether any went missing."""

import subprocess
import sys
import time

from shared.contracts.topics import SERVICES
from tests.e2e.conftest import five_services

PORTS = {name: 18801 + i for i, name in enumerate(SERVICES)}


def test_simulate_drives_a_running_platform_on_its_clock(settings, tmp_path):
    clock = {"HOTLINE_CLOCK_START": "2026-03-02T09:00:00+08:00", "HOTLINE_CLOCK_SPEED": "86400",
             "HOTLINE_CLOCK_ANCHOR": repr(time.time())}  # a day per second, from a Monday
    with five_services(settings, PORTS, tmp_path, env=clock) as platform:
        simulate = subprocess.run(
            [sys.executable, "-m", "hotline.cli", "simulate", "--appeals", "200", "--days", "0.05",
             "--settle-days", "20", "--seed", "5"],
            env={**platform.env, **clock}, capture_output=True, text=True, timeout=300)
    report = simulate.stdout
    print(report)
    assert simulate.returncode == 0, simulate.stderr[-2000:]
    assert "submitted 200 = accepted " in report and "(nothing missing)" in report
    assert "dispatches by unit: " in report and "== unit ranking, 2026-03" in report
