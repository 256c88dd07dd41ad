"""Shutdown steps, each bounded, so one that hangs does not keep the others from running."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any

log = logging.getLogger("shared.runtime")

# Shutdown, step by step, each bounded (seconds). With uvicorn's drain of open requests
# (HTTP_DRAIN_SECONDS) and the preStop pause of the manifests they stay under the pod's
# terminationGracePeriodSeconds (tests/unit/deploy/test_deploy_manifests.py adds them up).
SHUTDOWN_STEPS: dict[str, float] = {
    "background loops": 1.0,  # cancelled; each ends at its next await
    "outbox relay": 5.0,  # ends its cycle and publishes what is stored
    "relay producer": 2.0,  # flushes and closes
    "offset commits": 3.0,  # the last processed offsets (a miss means a re-read the inbox skips)
    "consumers": 4.0,  # leave the groups, so the partitions move at once
    "database pool": 2.0,  # idle connections close; busy ones are terminated
}
HTTP_DRAIN_SECONDS = 3.0

async def bounded(step: str, work: Awaitable[object], service: str) -> bool:
    """Run one shutdown step within its bound; False (and a warning) if it did not finish."""
    try:
        await asyncio.wait_for(work, SHUTDOWN_STEPS[step])
        return True
    except TimeoutError:
        log.warning("%s: shutdown step %r not done in %.0f s; going on", service, step, SHUTDOWN_STEPS[step])
    except Exception as exc:  # noqa: BLE001 - one failed step must not skip the others
        log.warning("%s: shutdown step %r failed: %r", service, step, exc)
    return False


def ended(task: asyncio.Task[Any]) -> str:
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    return f"ended: {exc!r}" if exc is not None else "ended"


async def await_cancelled(tasks: list[asyncio.Task[None]]) -> None:
    """Wait for cancelled tasks to end, whatever they end with."""
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
