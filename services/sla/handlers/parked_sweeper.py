"""Dead-letters parked events whose appeal never became known (or that failed when applied)."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from services.sla.adapters import parking
from shared.clock import Clock
from shared.loops import run_forever
from shared.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

# publish(key, headers, body) to sla's dead-letter topic; awaited before the rows are deleted
Publish = Callable[[bytes, dict[str, str], bytes], Awaitable[object]]


async def sweep_parked(units_of_work: UnitOfWorkFactory, clock: Clock, max_wait: timedelta,
                       publish: Publish, limit: int = 500) -> int:
    """Dead-letter expired parked events; returns how many. At least once: a crash after the
    publish and before the commit publishes them again, which the dead-letter topic tolerates."""
    now = clock.now()
    async with units_of_work() as uow:
        rows = await parking.claim_expired(uow.conn, now - max_wait, limit)
        for row in rows:
            reason = row["failure"] or (f"appeal {row['headers'].get('ce_subject')} still unknown to sla "
                                        f"{max_wait} after the event arrived (no transfer letter)")
            headers = {**row["headers"], "hotline_dlq_reason": reason[:1000], "hotline_dlq_service": "sla",
                       "hotline_dlq_source": "sla.parked_events",
                       "hotline_dlq_time": datetime.now(UTC).isoformat()}
            await publish(str(row["headers"].get("ce_subject", "")).encode(), headers, bytes(row["body"]))
            log.warning("dead-lettered parked %s: %s", row["event_type"], reason)
        if rows:
            await parking.delete(uow.conn, [r["seq"] for r in rows])
    return len(rows)


async def run_sweeper(units_of_work: UnitOfWorkFactory, clock: Clock, max_wait: timedelta, publish: Publish,
                      every_seconds: float) -> None:
    async def sweep() -> None:
        await sweep_parked(units_of_work, clock, max_wait, publish)

    await run_forever("sla", "parked-event sweep", sweep, every=every_seconds)
