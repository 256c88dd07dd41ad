"""SQL for the public feed (GET /v1/public/feed): entries in commit order behind a cursor."""

import json
from collections.abc import Sequence

import asyncpg

# Held until commit, so no entry with a lower seq can commit after a higher one is visible.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('publication.public_feed'))"
# Sequence numbers are drawn in the order given, which is the order the changes happened.
_APPEND = """
INSERT INTO public_feed (tracking_number, body)
SELECT tracking_number, body::jsonb
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(tracking_number, body, n)
ORDER BY n
"""
_READ = "SELECT seq, body::text AS body FROM public_feed WHERE seq > $1 ORDER BY seq LIMIT $2"


async def append(conn: asyncpg.Connection, entries: Sequence[tuple[str, dict]]) -> None:
    """Append (tracking number, public view) entries; nothing to append takes no lock."""
    if not entries:
        return
    await conn.execute(_LOCK)
    await conn.execute(_APPEND, [number for number, _ in entries],
                       [json.dumps(body, ensure_ascii=False) for _, body in entries])


async def read(conn: asyncpg.Connection | asyncpg.Pool, after: int, limit: int) -> list[tuple[int, dict]]:
    return [(r["seq"], json.loads(r["body"])) for r in await conn.fetch(_READ, after, limit)]
