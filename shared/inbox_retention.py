"""Inbox retention: forget the ids of events applied long ago.

Every consumed event leaves a row in its consumer's `inbox` (about a dozen rows per appeal
across the services: some 0.8 million a day at Beijing's 65,000 appeals), so without retention
the table grows for ever. A row is needed only while its record can be read again by the same
consumer group: after a crash or a rebalance the next owner rereads what was processed but not
yet committed, at most `offset_commit_seconds` of records, and it does so as soon as it owns
the partition, long before any row is old enough to go. Pruning runs inside the consuming
service, so it never runs while nobody consumes.

What retention gives up: a deliberate reset of a consumer group's offsets to a point older than
the retention would apply again the events whose rows are gone. Rebuilding a read model goes
through the service's replay command instead (`hotline replay publication | assessment`),
which reads the log with its own consumer and leaves the group's offsets alone.
"""

import logging
import random

import asyncpg

from shared.loops import run_forever
from shared.metrics import INBOX_PRUNED

log = logging.getLogger(__name__)

# Oldest first, a bounded chunk per statement: each DELETE is a short transaction that holds
# few locks and leaves the consumers' inserts alone. The BRIN index on handled_at finds them.
_PRUNE = """
DELETE FROM inbox WHERE event_id IN (
    SELECT event_id FROM inbox WHERE handled_at < now() - make_interval(days => $1) LIMIT $2
)
"""


async def prune_inbox(pool: asyncpg.Pool, retention_days: int, chunk: int = 10_000) -> int:
    """Delete inbox rows older than `retention_days`, a chunk at a time; return how many went."""
    pruned = 0
    while True:
        status = await pool.execute(_PRUNE, retention_days, chunk)
        deleted = int(status.rpartition(" ")[2])
        pruned += deleted
        if deleted < chunk:
            return pruned


async def keep_inbox_pruned(service: str, pool: asyncpg.Pool, retention_days: int, every_seconds: float) -> None:
    """Until cancelled: prune now and then every `every_seconds` (replicas start at random
    points in the first period, so they do not all prune at once)."""

    async def prune() -> None:
        pruned = await prune_inbox(pool, retention_days)
        INBOX_PRUNED.labels(service).inc(pruned)
        if pruned:
            log.info("inbox: %d rows older than %d days pruned", pruned, retention_days)

    await run_forever(service, "inbox pruning", prune, every=every_seconds,
                      first_delay=random.uniform(0, min(every_seconds, 60.0)))
