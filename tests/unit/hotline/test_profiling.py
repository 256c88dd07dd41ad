"""The bench's CPU accounting and profile summary."""

import os

from hotline.profiling import InstructionCounter, cpu_seconds, hot_spots, instructions_in, postgres_cpu_seconds


def test_samples_count_for_the_deepest_frame_of_our_own_code(tmp_path):
    collapsed = tmp_path / "routing.txt"
    collapsed.write_text("\n".join([
        "run (asyncio/base_events.py:10);process (shared/consumer.py:80);on_accepted (services/routing/h.py:3);"
        "insert (services/routing/repo.py:9);execute (asyncpg/connection.py:1) 6",
        "run (asyncio/base_events.py:10);process (shared/consumer.py:81);decode (pydantic/main.py:4) 3",
        "run (asyncio/base_events.py:10);send (aiokafka/producer.py:2) 1",
        "run (asyncio/base_events.py:10);_run_once (asyncio/base_events.py:1);select (selectors.py:5) 90",
    ]))
    assert hot_spots(collapsed) == [
        (60.0, "insert (services/routing/repo.py)"),
        (30.0, "process (shared/consumer.py)"),
        (10.0, "(framework and libraries)"),
    ], "idle samples are left out; line numbers do not split a function"


def test_cpu_seconds_of_this_process_and_of_a_gone_one():
    sum(i * i for i in range(300_000))  # spend a little CPU
    assert cpu_seconds(os.getpid()) > 0
    assert cpu_seconds(2**22 + 12345) == 0.0


def test_instruction_counts_are_read_from_perf_output_and_missing_when_unsupported():
    counted = "# started on Sun Nov 29 05:31:02 2026\n\n5870112345,,instructions,40012345678,100.00,,\n"
    assert instructions_in(counted) == 5_870_112_345
    assert instructions_in("<not supported>,,instructions,0,100.00,,\n") is None
    assert instructions_in("") is None


def test_without_perf_the_counter_reports_nothing_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setattr("hotline.profiling.shutil.which", lambda name: None)
    assert InstructionCounter(tmp_path / "perf.csv").stop() is None


def test_the_cpu_of_reaped_children_counts_only_when_asked(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
    own, with_children = cpu_seconds(os.getpid()), cpu_seconds(os.getpid(), reaped_children=True)
    assert with_children > own


def test_postgres_cpu_counts_every_postgresql_process_on_the_machine():
    import psutil
    import pytest

    postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    if not postgres:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL runs on this machine, though `make test` starts one")
        pytest.skip("no PostgreSQL runs on this machine")
    alive = sum(cpu_seconds(p.pid) for p in postgres)
    assert postgres_cpu_seconds() >= alive - 0.1 > 0  # plus what exited backends left to the postmaster
