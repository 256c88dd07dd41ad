"""The one way a background task runs: for ever, with backoff after failures, until cancelled.

Every loop of a service (the outbox relay, inbox retention, sla's due-time poller and parked-event
sweeper, publication's pruning, assessment's rechecks, the loop-lag probe) is a `step` handed to
`run_forever`. A step that raises is logged (a warning when the cause is transient, such as the
database restarting; an error otherwise) and tried again after a growing pause, so one failure
never ends the task for good, and cancellation (shutdown) still ends it at once.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.db import is_transient
from shared.metrics import BACKGROUND_STEPS

log = logging.getLogger(__name__)


class Backoff:
    """Exponential pauses: `first`, then doubling up to `limit`, back to `first` after a success."""

    def __init__(self, first: float = 0.1, limit: float = 5.0) -> None:
        self.first, self.limit, self._delay = first, limit, first

    def next(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self.limit)
        return delay

    def reset(self) -> None:
        self._delay = self.first


class Finished(Exception):
    """Raised by a step to end its loop (the outbox relay, once it has drained on stop())."""


# A step returns how long to wait before the next one: None for the loop's usual `every`,
# 0 to go again at once (more work is waiting).
Step = Callable[[], Awaitable[float | None]]


async def run_forever(
    service: str,
    task: str,
    step: Step,
    *,
    every: float,
    backoff: Backoff | None = None,
    first_delay: float = 0.0,
    wake: asyncio.Event | None = None,
) -> None:
    """Until cancelled (or the step raises Finished): run `step`, then wait.

    `wake`: an event that cuts a wait short (set when new work is committed); it is cleared
    before each step, so a wake-up during the step starts the next one at once.
    """
    backoff = backoff or Backoff()
    succeeded = BACKGROUND_STEPS.labels(service, task, "ok")
    failed = BACKGROUND_STEPS.labels(service, task, "failed")
    if first_delay > 0:
        await asyncio.sleep(first_delay)
    while True:
        if wake is not None:
            wake.clear()
        try:
            pause = await step()
        except Finished:  # the step did its work and says there is no more
            succeeded.inc()
            return
        except Exception as exc:  # noqa: BLE001 - a background task must outlive any one failure
            failed.inc()
            delay = backoff.next()
            log.log(logging.WARNING if is_transient(exc) else logging.ERROR,
                    "%s: %s failed, again in %.1fs: %r", service, task, delay, exc)
            await asyncio.sleep(delay)
            continue
        succeeded.inc()
        backoff.reset()
        await _wait(every if pause is None else pause, wake)


async def _wait(seconds: float, wake: asyncio.Event | None) -> None:
    if seconds <= 0:
        return
    if wake is None:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait_for(wake.wait(), seconds)
    except TimeoutError:
        pass
