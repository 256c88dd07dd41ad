"""The bench's own bookkeeping: which appeals a phase counts, CPU per appeal, event-loop stalls."""

import json
import os
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest

from hotline.bench import one_bench_at_a_time
from hotline.bench.measure import consumer_lag, cpu_per_appeal, loop_lag_buckets, loop_stalls
from hotline.bench.report import STALL_BOUNDS, Report, print_report, slow_seconds
from hotline.bench.watch import Watcher
from shared.settings import Settings


def _record(kind: str, key: str, body: dict | None = None, timestamp: int = 0):
    return SimpleNamespace(headers=[("ce_type", kind.encode())], key=key.encode(),
                           value=json.dumps(body or {}).encode(), timestamp=timestamp)


def _through(watcher: Watcher, appeal: str, submission_id: str) -> None:
    """Feed the watcher every stage of one appeal."""
    tracking = f"T-{appeal}"
    watcher._note(_record("hotline.appeal.accepted.v1", appeal, {
        "appeal_id": appeal, "channel_message_id": submission_id, "tracking_number": tracking}), 1.0)
    watcher._note(_record("hotline.appeal.dispatched.v1", appeal), 1.1)
    watcher._note(_record("hotline.appeal.deadline-set.v1", appeal), 1.2)
    watcher._note(_record("hotline.public.appeal-updated.v1", tracking), 1.3)


def test_a_phase_counts_only_its_own_appeals():
    watcher = Watcher(Settings())
    _through(watcher, "a1", "bench-run1w-0")  # warm-up
    _through(watcher, "a2", "bench-run1m-0")  # full speed
    _through(watcher, "a3", "bench-run1m-1")
    assert watcher.complete("bench-run1m-") == 2
    assert watcher.complete("bench-run1w-") == 1
    assert watcher.complete() == 3


def test_an_appeal_missing_a_stage_is_not_complete():
    watcher = Watcher(Settings())
    watcher._note(_record("hotline.appeal.accepted.v1", "a1", {
        "appeal_id": "a1", "channel_message_id": "bench-run1m-0", "tracking_number": "T-a1"}), 1.0)
    watcher._note(_record("hotline.appeal.dispatched.v1", "a1"), 1.1)
    watcher._note(_record("hotline.public.appeal-updated.v1", "T-a1"), 1.3)
    assert watcher.complete("bench-run1m-") == 0


def test_each_hop_splits_at_the_time_the_service_decided():
    watcher = Watcher(Settings())
    watcher._note(_record("hotline.appeal.accepted.v1", "a1", {
        "appeal_id": "a1", "channel_message_id": "bench-run1f-0", "tracking_number": "T-a1",
        "accepted_at": "2026-11-29T08:00:00.100000+00:00"}, timestamp=1795939200_180), 5.0, wall=1795939200.250)
    watcher._note(_record("hotline.appeal.dispatched.v1", "a1", {
        "dispatched_at": "2026-11-29T16:00:00.400+08:00"}, timestamp=1795939200_530), 5.4, wall=1795939200.600)
    assert watcher.decided["intake"]["a1"] == 1795939200.100  # 2026-11-29 08:00:00.1 UTC
    assert round(watcher.seen["intake"]["a1"] - watcher.decided["intake"]["a1"], 3) == 0.15
    assert round(watcher.decided["routing"]["a1"] - watcher.seen["intake"]["a1"], 3) == 0.15
    assert round(watcher.seen["routing"]["a1"] - watcher.decided["routing"]["a1"], 3) == 0.2
    # the record's CreateTime: when the service's producer took it, between deciding and being seen
    assert round(watcher.produced["intake"]["a1"] - watcher.decided["intake"]["a1"], 3) == 0.08
    assert round(watcher.produced["routing"]["a1"] - watcher.decided["routing"]["a1"], 3) == 0.13


def test_cpu_per_appeal_is_each_process_s_share_in_milliseconds():
    before = {"intake": 10.0, "kafka": 100.0}
    after = {"intake": 12.0, "kafka": 103.0}
    assert cpu_per_appeal(before, after, 1000) == {"intake": 2.0, "kafka": 3.0}
    assert cpu_per_appeal(before, after, 0) == {}


def test_loop_stalls_count_the_late_timers_between_two_scrapes_of_metrics():
    registry = CollectorRegistry()
    lag = Histogram("hotline_event_loop_lag_seconds", "probe", ["service"], registry=registry,
                    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))

    def scrape() -> dict:
        text = generate_latest(registry).decode()
        return {"intake": loop_lag_buckets(text)}

    for seconds in (0.001, 0.07, 0.4):  # before the phase: not counted
        lag.labels("intake").observe(seconds)
    before = scrape()
    for seconds in (0.002, 0.06, 0.3, 0.12, 0.04):
        lag.labels("intake").observe(seconds)
    assert loop_stalls(before, scrape(), STALL_BOUNDS) == {"intake": {"0.05": 3, "0.1": 2, "0.25": 1}}


def test_a_second_bench_on_one_stack_is_refused_while_the_first_runs(tmp_path):
    with one_bench_at_a_time(tmp_path), \
            pytest.raises(SystemExit, match=rf"pid {os.getpid()}\) is running on this stack"), \
            one_bench_at_a_time(tmp_path):
        pass
    with one_bench_at_a_time(tmp_path):  # free again once the first ended
        pass


def test_slow_seconds_name_the_seconds_whose_appeals_were_slow_worst_first():
    t = datetime(2026, 12, 2, 16, 30, 0, tzinfo=UTC).timestamp()
    appeals = ([(t + 0.1 * i, 0.05) for i in range(50)]  # fast everywhere
               + [(t + 7.2, 0.6), (t + 7.9, 0.3), (t + 7.5, 0.251)]  # three slow in 16:30:07
               + [(t + 3.5, 0.9)]  # one slower in 16:30:03
               + [(t + 5.0, 0.25)])  # exactly the threshold is not slow
    assert slow_seconds(appeals) == [
        {"at": "16:30:07", "slow": 3, "max_ms": 600.0},
        {"at": "16:30:03", "slow": 1, "max_ms": 900.0},
    ]
    assert slow_seconds([(t, 0.05)]) == []


def test_consumer_lag_is_the_sum_over_partitions_and_other_metrics_do_not_count():
    registry = CollectorRegistry()
    lag = Gauge("hotline_consumer_lag", "behind", ["service", "topic", "partition"], registry=registry)
    lag.labels("routing", "hotline.intake", "0").set(120)
    lag.labels("routing", "hotline.intake", "1").set(5)
    Gauge("hotline_consumer_lag_other", "not it", registry=registry).set(1000)
    text = generate_latest(registry).decode() + "# a service with other lines\nhotline_outbox_backlog 7.0\n"
    assert consumer_lag(text) == 125
    assert consumer_lag("") == 0


def test_the_report_prints_each_phase_s_figures(capsys):
    report = Report(warmup=100, fixed_rate=5, fixed_sent=300, latency_ms={"p50": 40.1, "p95": 80.0, "p99": 120.5},
                    max_sent=2000, platform_per_s=88.2, complete=2000, ceiling_per_s=400.0, ratio=0.22,
                    cpu_ms_per_appeal={"intake": 2.5, "kafka": 1.0}, loop_stalls={"sla": {"0.05": 3, "0.1": 1, "0.25": 0}})
    report.note_instructions("full speed", 5_000_000_000, 2000)
    print_report(report)
    printed = capsys.readouterr().out
    assert "warm-up: 100 appeals" in printed
    assert "fixed rate 5/s, 300 appeals: submission -> dispatched p50 40.1 ms, p95 80.0 ms, p99 120.5 ms" in printed
    assert "full speed, 2000 appeals: 88.2/s end to end" in printed
    assert "platform / ceiling = 0.22" in printed
    assert "CPU per appeal at full speed (ms): 3.5 in all = intake 2.5, kafka 1.0" in printed
    assert "full speed 2.5 M" in printed
    assert "later than 50 / 100 / 250 ms): sla 3/1/0" in printed
