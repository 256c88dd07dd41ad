"""run_forever: a background task outlives failures (backing off), stops on cancel or Finished,
and every background loop in shared/ and services/ is one (no hand-written sleep loop left)."""

import ast
import asyncio
import logging
from pathlib import Path

import asyncpg
import pytest
from prometheus_client import REGISTRY

from shared.loops import Backoff, Finished, run_forever

ROOT = Path(__file__).resolve().parents[3]


def steps(task: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("hotline_background_steps_total",
                                     {"service": "loops-test", "task": task, "outcome": outcome}) or 0.0


def test_backoff_doubles_up_to_its_limit_and_starts_again_after_a_reset():
    backoff = Backoff(first=0.5, limit=3.0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next() == 0.5


async def test_a_loop_whose_database_goes_away_keeps_running_and_recovers(caplog):
    outage = [ConnectionRefusedError(111, "refused"), asyncpg.exceptions.ConnectionDoesNotExistError("gone"),
              asyncpg.exceptions.CannotConnectNowError("starting up")]
    done = asyncio.Event()
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        if outage:
            raise outage.pop(0)
        if calls >= 5:
            done.set()

    with caplog.at_level(logging.WARNING, logger="shared.loops"):
        task = asyncio.create_task(run_forever("loops-test", "outage", step, every=0.001,
                                               backoff=Backoff(first=0.001, limit=0.004)))
        await asyncio.wait_for(done.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert steps("outage", "failed") == 3 and steps("outage", "ok") >= 2
    assert [r.levelno for r in caplog.records] == [logging.WARNING] * 3  # transient: a warning, not an error


async def test_an_unexpected_error_is_logged_as_an_error_and_the_loop_goes_on(caplog):
    results: list[str] = []

    async def step() -> None:
        results.append("ran")
        if len(results) == 1:
            raise KeyError("a bug")

    with caplog.at_level(logging.WARNING, logger="shared.loops"):
        task = asyncio.create_task(run_forever("loops-test", "bug", step, every=0.001,
                                               backoff=Backoff(first=0.001)))
        while len(results) < 3:
            await asyncio.sleep(0.001)
        task.cancel()
    assert caplog.records[0].levelno == logging.ERROR and "KeyError" in caplog.records[0].getMessage()


async def test_finished_ends_the_loop_and_a_returned_zero_runs_the_next_step_at_once():
    calls = 0

    async def step() -> float:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Finished
        return 0

    await asyncio.wait_for(run_forever("loops-test", "drain", step, every=3600), 1)
    assert calls == 3


async def test_a_wake_up_cuts_the_wait_short():
    wake, ran = asyncio.Event(), asyncio.Event()
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            ran.set()

    task = asyncio.create_task(run_forever("loops-test", "wake", step, every=3600, wake=wake))
    await asyncio.sleep(0.01)
    wake.set()
    await asyncio.wait_for(ran.wait(), 1)
    task.cancel()


def _sleeping_while_true_loops(path: Path) -> list[int]:
    """Lines of `while True:` loops whose body sleeps: hand-written background loops."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.While):
            continue
        if isinstance(node.test, ast.Constant) and node.test.value is True and any(isinstance(n, ast.Attribute) and n.attr in {"sleep", "wait_for"} for n in ast.walk(node)):
            found.append(node.lineno)
    return found


def test_every_background_loop_in_shared_and_services_runs_through_run_forever():
    offenders = {str(p.relative_to(ROOT)): lines
                 for folder in ("shared", "services") for p in sorted((ROOT / folder).rglob("*.py"))
                 if p.name != "loops.py" and (lines := _sleeping_while_true_loops(p))}
    assert offenders == {}, "use shared.loops.run_forever for these loops"
