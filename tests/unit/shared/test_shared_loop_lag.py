"""The event-loop probe shows a stall on /metrics: a loop held for 300 ms is one observation
above 250 ms in hotline_event_loop_lag_seconds."""

import asyncio
import time

from prometheus_client import REGISTRY

from shared.loop_lag import measure_loop_lag


def _observations(service: str, above: str | None = None) -> float:
    labels = {"service": service, "le": "+Inf"}
    total = REGISTRY.get_sample_value("hotline_event_loop_lag_seconds_bucket", labels) or 0.0
    if above is None:
        return total
    within = REGISTRY.get_sample_value("hotline_event_loop_lag_seconds_bucket", {**labels, "le": above}) or 0.0
    return total - within


async def test_a_loop_held_for_300_ms_shows_as_one_late_timer():
    probe = asyncio.create_task(measure_loop_lag("lag-test", period=0.01))
    try:
        while _observations("lag-test") < 3:  # the probe is running
            await asyncio.sleep(0.01)
        stalls_before = _observations("lag-test", above="0.25")
        time.sleep(0.3)  # noqa: ASYNC251 - a synchronous step holding the loop is the point
        observed = _observations("lag-test")
        while _observations("lag-test") == observed:
            await asyncio.sleep(0.01)
        assert _observations("lag-test", above="0.25") == stalls_before + 1
    finally:
        probe.cancel()
