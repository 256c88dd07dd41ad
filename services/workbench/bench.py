"""Page render time of the unit inbox and the supervisor board with many open appeals.

    python -m services.workbench.bench --url http://127.0.0.1:8000 --open 10000 --unit SAMR \\
        --template-appeal <appeal id> --user samr1 --supervisor sup1   (passwords from HOTLINE_BENCH_PASSWORD_*)

Against a running platform (`hotline up`) whose database HOTLINE_DATABASE_URL names: it copies
one real open appeal of the unit (routing's letter and deadline, sla's deadline) into `--open`
appeals with deadlines spread from 10 working days late to 20 ahead (a third overdue, some at
each supervision level), then logs in as the unit handler and the supervisor and times whole
page renders (workbench + routing or sla + their SQL), reporting p50 / p95 / max.
The copies are left in place: use a scratch database.
"""

import argparse
import asyncio
import os
import re
import statistics
import time

import asyncpg
import httpx

from shared.settings import Settings

_COPY_TRANSFERS = """
INSERT INTO routing.transfers
SELECT (jsonb_populate_record(NULL::routing.transfers, to_jsonb(t) || jsonb_build_object(
        'appeal_id', md5('bench' || i)::uuid, 'tracking_number', 'SY20261201' || lpad(i::text, 8, '0'),
        'state', 'signed'))).*
  FROM routing.transfers t, generate_series(1, $2) i WHERE t.appeal_id = $1
ON CONFLICT DO NOTHING
"""
_COPY_ROUTING_DEADLINES = """
INSERT INTO routing.deadlines
SELECT (jsonb_populate_record(NULL::routing.deadlines, to_jsonb(d) || jsonb_build_object(
        'appeal_id', md5('bench' || i)::uuid, 'due_at', now() + ((i % 30) - 10) * interval '1 day'))).*
  FROM routing.deadlines d, generate_series(1, $2) i WHERE d.appeal_id = $1
ON CONFLICT DO NOTHING
"""
_COPY_SLA_DEADLINES = """
INSERT INTO sla.deadlines
SELECT (jsonb_populate_record(NULL::sla.deadlines, to_jsonb(d) || jsonb_build_object(
        'appeal_id', md5('bench' || i)::uuid, 'state', 'open',
        'due_at', now() + ((i % 30) - 10) * interval '1 day',
        'supervision_level', CASE WHEN i % 30 < 10 THEN 1 + (i % 3) ELSE 0 END,
        'overdue_since', CASE WHEN i % 30 < 10 THEN now() + ((i % 30) - 10) * interval '1 day' END,
        'next_fire_at', NULL, 'next_step', NULL))).*
  FROM sla.deadlines d, generate_series(1, $2) i WHERE d.appeal_id = $1
ON CONFLICT DO NOTHING
"""


async def seed(settings: Settings, template: str, count: int) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        for sql in (_COPY_TRANSFERS, _COPY_ROUTING_DEADLINES, _COPY_SLA_DEADLINES):
            await conn.execute(sql, template, count)
        for table in ("routing.transfers", "routing.deadlines", "sla.deadlines"):
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()


def log_in(url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=True, timeout=30)
    page = client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if found is None:
        raise RuntimeError(f"no login form at {url}/login")
    token = found[1]
    done = client.post("/login", data={"csrf": token, "username": username, "password": password})
    if "/login" in str(done.url):
        raise SystemExit(f"cannot log in as {username}")
    return client


def timed(client: httpx.Client, path: str, rounds: int) -> dict:
    client.get(path)  # warm: connections, caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "max": times[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--template-appeal", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--supervisor", required=True)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(seed(Settings(), args.template_appeal, args.open))
    unit = log_in(args.url, args.user, os.environ["HOTLINE_BENCH_PASSWORD_UNIT"])
    supervisor = log_in(args.url, args.supervisor, os.environ["HOTLINE_BENCH_PASSWORD_SUPERVISOR"])
    for name, client, path in (("unit inbox", unit, "/unit"), ("supervisor board", supervisor, "/board")):
        figures = timed(client, path, args.rounds)
        print(f"{name:<17} {args.open} open appeals: p50 {figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, "
              f"max {figures['max']:.0f} ms ({args.rounds} renders)")


if __name__ == "__main__":
    main()
