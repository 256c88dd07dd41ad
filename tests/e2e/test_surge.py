"""A surge on one problem stays cheap: 20,000 appeals about one water outage in one district,
filed on Kafka as fast as intake takes them.

Every service keeps its consumer-group membership (no failed commit, no rebalance after the
start), sla's resident memory stays under 200 MB, nothing is lost or applied twice, and the
appeals make one concentrated-appeal cluster. Marked `slow` (a few minutes on two cores):
`-m "not slow"` leaves it out.
"""

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.contracts import topics
from shared.contracts.topics import SERVICES
from tests.e2e import scenarios
from tests.e2e.conftest import five_services
from tests.integration.helpers import eventually, produce

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

PORTS = {name: 18951 + i for i, name in enumerate(SERVICES)}
SURGE = 20_000
SLA_RSS_LIMIT_MB = 200
# What aiokafka and the consumer glue log when a member drops out of its group or a commit
# is refused: any of these after the start means a batch was (or could be) read again.
LOST_MEMBERSHIP = re.compile(r"CommitFailed|Revoking previously assigned|Heartbeat session expired"
                             r"|heartbeat failed|rebalanc|OffsetCommit failed|commit failed", re.IGNORECASE)
TABLES = ("intake.appeals", "routing.transfers", "sla.deadlines", "sla.accepted_appeals",
          "assessment.received_appeals")


@pytest.fixture(scope="module")
def platform(settings, tmp_path_factory):
    with five_services(settings, PORTS, tmp_path_factory.mktemp("surge-services")) as services:
        yield services


def surge(run: str) -> list:
    """One problem in one place, phrased as callers phrase it: a few openings and endings,
    the building number varying. Each caller is a different petitioner (no merging)."""
    openings = ("", "你好，", "我要反映一下，", "您好，我是居民，")
    endings = ("", "请尽快处理。", "已经十几个小时了，", "老人孩子都没法生活。")
    messages: list[tuple[bytes, bytes, list[tuple[str, bytes]]]] = []
    for i in range(SURGE):
        text = (f"{openings[i % 4]}铁西区兴华街锦绣花园{1 + i % 24}号楼从昨晚开始停水，"
                f"整栋楼没有自来水，做饭喝水都成问题{endings[(i // 4) % 4]}")
        body: dict[str, Any] = {"channel": "phone", "channel_message_id": f"{run}-{i}", "district": "铁西区",
                "description": text, "appeal_type": "consumer_complaint", "category": "water_supply",
                "petitioner": {"name": "赵敏", "phone": f"139{i:08d}"}}
        messages.append((body["channel_message_id"].encode(), json.dumps(body, ensure_ascii=False).encode(), []))
    return messages


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the process (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # clock ticks; USER_HZ is 100 on Linux


async def test_a_surge_on_one_problem_stays_cheap(platform, settings, db):
    run = uuid.uuid4().hex[:8]
    logs = {name: platform.log_dir / f"{name}.log" for name in SERVICES}
    log_start = {name: path.stat().st_size for name, path in logs.items()}
    sla = platform.procs["sla"].pid
    cpu_before, started = _cpu_seconds(sla), time.monotonic()

    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), surge(run))

    peak_rss_kb = 0

    async def count(table: str) -> int:
        return await db.fetchval(f"SELECT count(*) FROM {table} t JOIN intake.appeals a USING (appeal_id) "
                                 "WHERE a.channel_message_id LIKE $1", f"{run}-%")

    stalled = None
    try:
        for table in TABLES:
            async def caught_up(table=table) -> bool:
                nonlocal peak_rss_kb
                peak_rss_kb = max(peak_rss_kb, _status_kb(sla, "VmRSS"))
                return await count(table) >= SURGE
            await eventually(caught_up, timeout=900, what=f"all {SURGE} appeals in {table}")
    except AssertionError as exc:
        stalled = str(exc)
    elapsed = time.monotonic() - started
    cpu_ms_per_appeal = (_cpu_seconds(sla) - cpu_before) * 1000 / SURGE
    # VmHWM: the highest resident size since the process started, between our samples too.
    peak_rss_mb = max(peak_rss_kb, _status_kb(sla, "VmHWM")) / 1024
    print(f"\nsurge of {SURGE}: {elapsed:.0f} s to the last table; sla CPU {cpu_ms_per_appeal:.2f} ms per appeal, "
          f"peak resident {peak_rss_mb:.0f} MB")

    counted = await scenarios.tally(db, TABLES, run)
    ours, lost, duplicated = counted.ours, counted.lost, counted.duplicated
    clusters = await db.fetch(
        "SELECT m.group_id, count(*) AS n FROM sla.problem_group_members m "
        "JOIN sla.problem_groups g USING (group_id) JOIN intake.appeals a USING (appeal_id) "
        "WHERE a.channel_message_id LIKE $1 AND g.concentrated_at IS NOT NULL GROUP BY m.group_id", f"{run}-%")
    supervised = await db.fetchval(
        "SELECT count(*) FROM sla.deadlines d JOIN intake.appeals a USING (appeal_id) "
        "WHERE a.channel_message_id LIKE $1 AND d.key_supervision", f"{run}-%")
    membership = {}
    for name, path in logs.items():
        with open(path, "rb") as log:
            log.seek(log_start[name])
            membership[name] = [line for line in log.read().decode(errors="replace").splitlines()
                                if LOST_MEMBERSHIP.search(line)]

    print(f"clusters {[r['n'] for r in clusters]}; key supervision {supervised}; "
          f"membership lines {sum(map(len, membership.values()))}")
    counted.record(f"a surge of {SURGE} on one problem (sla peak {peak_rss_mb:.0f} MB, "
                   f"{cpu_ms_per_appeal:.2f} ms CPU per appeal, {len(clusters)} cluster)", submitted=SURGE)
    assert stalled is None, stalled
    assert not lost and not duplicated and len(ours) == SURGE
    assert {name: lines[:3] for name, lines in membership.items() if lines} == {}, "a service lost its group"
    assert peak_rss_mb < SLA_RSS_LIMIT_MB, f"sla peaked at {peak_rss_mb:.0f} MB"
    # One cluster, not one per batch or per building. Its members are those at least 0.5 alike
    # one of its first eight texts, which depend on arrival order across partitions: a fresh-clone
    # run once left one caller of 20,000 in a group of its own (below the threshold against those
    # eight). Recall of at least 0.999 is held here; the domain's seeded-cluster test holds >= 0.9.
    [cluster] = [r["n"] for r in clusters]
    assert cluster >= SURGE * 0.999, f"the surge's cluster holds {cluster} of {SURGE}"
    assert supervised == cluster, "every appeal of the cluster is under key supervision"
