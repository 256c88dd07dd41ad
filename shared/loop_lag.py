"""A probe of a service's event loop: how late a timer fires is how long everything else waited.

One process serves every consumer, the relay and the HTTP API on one loop, so a step that holds
it (a long synchronous call, a full garbage collection) delays all of them at once. The p99 of
an appeal's latency is made of such stalls; this shows them on /metrics
(`hotline_event_loop_lag_seconds`) where nothing else would.
"""

import asyncio

from shared.loops import run_forever
from shared.metrics import EVENT_LOOP_LAG

# 10 wake-ups a second: about 0.3% of a core on these machines (0.5% at 20); a stall of any
# length still shows whole, give or take one period
PERIOD_SECONDS = 0.1


async def measure_loop_lag(service: str, period: float = PERIOD_SECONDS) -> None:
    """Until cancelled: sleep `period`, note how much later than due the loop woke us."""
    lag = EVENT_LOOP_LAG.labels(service)
    loop = asyncio.get_running_loop()
    due = loop.time() + period

    async def measure() -> float:
        nonlocal due
        now = loop.time()
        lag.observe(max(0.0, now - due))
        due = now + period
        return period

    await run_forever(service, "loop-lag probe", measure, every=period, first_delay=period)
