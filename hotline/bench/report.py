"""The bench's figures: what one run measured, its percentiles, and how it is printed."""

import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SLOW_MS = 250
STALL_BOUNDS = ("0.05", "0.1", "0.25")  # event-loop lag bounds (s) a stall is counted above


@dataclass
class Report:
    # the broker and clients spoke TLS + SASL/SCRAM under ACLs, each part as its own identity
    # (`hotline bench --secure`), else PLAINTEXT
    secure: bool = False
    # appeals sent and let through before measuring: a freshly started broker spends 30-50% of
    # a core compiling (its C2 JIT thread) through its first ~9,000 appeals, then ~0.3 core less
    warmup: int = 0
    fixed_rate: float = 0.0
    fixed_sent: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    hop_latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    max_sent: int = 0
    platform_per_s: float = 0.0
    # how long assessment took to answer the count that confirmed the full-speed phase (its
    # month recomputed): not in platform_per_s, which ends when that question was asked
    count_answer_s: float = 0.0
    ceiling_per_s: float = 0.0
    # bare relays fed at the fixed rate: submission -> routing's hop, and the CPU they cost
    ceiling_latency_ms: dict[str, float] = field(default_factory=dict)
    ceiling_fixed_cpu_ms_per_appeal: dict[str, float] = field(default_factory=dict)
    ratio: float = 0.0
    complete: int = 0
    lost: int = 0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    # CPU milliseconds each process spent per appeal in the full-speed phase (less noisy than rates)
    cpu_ms_per_appeal: dict[str, float] = field(default_factory=dict)
    # the same in the fixed-rate phase: where the CPU goes when latency, not throughput, is the target
    fixed_cpu_ms_per_appeal: dict[str, float] = field(default_factory=dict)
    # the most records each service's consumer was behind in the full-speed phase: the stage
    # with the largest queue is the one that limits the rate
    peak_lag: dict[str, int] = field(default_factory=dict)
    hot_spots: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    # millions of instructions the whole machine ran per appeal in each phase (perf stat -a): the
    # figure that moves least with the host's noise, so the one to compare commits by
    instructions_per_appeal: dict[str, float] = field(default_factory=dict)
    # at the fixed rate, how often each service's event loop ran its lag probe's timer more than 50,
    # 100 and 250 ms late (hotline_event_loop_lag_seconds): the stalls the p99 is made of
    loop_stalls: dict[str, dict[str, int]] = field(default_factory=dict)
    # the seconds of the fixed-rate phase with the most appeals slower than SLOW_MS, worst first,
    # with their wall-clock time: a p99 made of one stall shows here as one second, and the time
    # finds it in the broker's GC log or the database's log
    slow_seconds: list[dict[str, Any]] = field(default_factory=list)

    def note_instructions(self, phase: str, instructions: int | None, appeals: int) -> None:
        if instructions is not None and appeals:
            self.instructions_per_appeal[phase] = round(instructions / appeals / 1e6, 1)


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 in milliseconds, and how many were measured (nothing for fewer than two)."""
    if len(seconds) < 2:
        return {}
    q = statistics.quantiles([s * 1000 for s in seconds], n=100)
    return {"p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1), "measured": len(seconds)}


def slow_seconds(appeals: list[tuple[float, float]], top: int = 3) -> list[dict[str, Any]]:
    """Group (wall time sent, latency in s) by the second of sending; the `top` seconds with the
    most appeals slower than SLOW_MS, worst first."""
    by_second: dict[int, list[float]] = {}
    for sent, latency in appeals:
        if latency * 1000 > SLOW_MS:
            by_second.setdefault(int(sent), []).append(latency)
    worst = sorted(by_second.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
    return [{"at": datetime.fromtimestamp(second, UTC).strftime("%H:%M:%S"), "slow": len(latencies),
             "max_ms": round(max(latencies) * 1000, 1)} for second, latencies in worst]


def print_report(report: Report) -> None:
    print("kafka: " + ("TLS + SASL/SCRAM-SHA-512 + ACLs, each service as its own identity (--secure)"
                       if report.secure else "PLAINTEXT"))
    if report.warmup:
        print(f"warm-up: {report.warmup} appeals sent first, not measured")
    print(f"fixed rate {report.fixed_rate:.0f}/s, {report.fixed_sent} appeals: submission -> dispatched "
          f"p50 {report.latency_ms.get('p50')} ms, p95 {report.latency_ms.get('p95')} ms, "
          f"p99 {report.latency_ms.get('p99')} ms")
    for hop, figures in report.hop_latency_ms.items():
        print(f"  of which {hop}: p50 {figures.get('p50')} ms, p95 {figures.get('p95')} ms, p99 {figures.get('p99')} ms")
    if report.slow_seconds:
        print(f"  slowest seconds (appeals over {SLOW_MS} ms sent in that second, UTC): " + ", ".join(
            f"{s['at']} {s['slow']} (max {s['max_ms']} ms)" for s in report.slow_seconds))
    _print_cpu("at the fixed rate", report.fixed_cpu_ms_per_appeal)
    print(f"full speed, {report.max_sent} appeals: {report.platform_per_s}/s end to end "
          f"(dispatched + deadline + public + counted), complete {report.complete}, "
          f"not complete when the wait ended {report.lost} (the count's answer took {report.count_answer_s} s, "
          "not in the rate)")
    if report.ceiling_latency_ms:
        figures = report.ceiling_latency_ms
        print(f"ceiling at the fixed rate (bare aiokafka, same hops): submission -> routing's topic "
              f"p50 {figures.get('p50')} ms, p95 {figures.get('p95')} ms, p99 {figures.get('p99')} ms")
        _print_cpu("of the ceiling at the fixed rate", report.ceiling_fixed_cpu_ms_per_appeal)
    print(f"ceiling (bare aiokafka, same hops): {report.ceiling_per_s}/s; platform / ceiling = {report.ratio}")
    print("peak memory (MB): " + ", ".join(f"{k} {v}" for k, v in report.peak_rss_mb.items()))
    _print_cpu("at full speed", report.cpu_ms_per_appeal)
    if report.instructions_per_appeal:
        print("instructions per appeal, whole machine (perf stat -a; compare commits by this): "
              + ", ".join(f"{phase} {m} M" for phase, m in report.instructions_per_appeal.items()))
    else:
        print("instructions per appeal: not measured (perf missing, or this machine hides its counters)")
    if report.loop_stalls:
        print("event loop held at the fixed rate (lag probe's timer later than " + " / ".join(
            f"{float(b) * 1000:.0f}" for b in STALL_BOUNDS) + " ms): " + ", ".join(
            f"{name} " + "/".join(str(n) for n in counts.values()) for name, counts in report.loop_stalls.items()))
    if report.peak_lag:
        print("peak consumer lag at full speed (records): "
              + ", ".join(f"{k} {v}" for k, v in report.peak_lag.items()))
    for service, spots in report.hot_spots.items():
        print(f"profile {service}: " + "; ".join(f"{share}% {frame}" for share, frame in spots[:4]))


def _print_cpu(phase: str, per_appeal: dict[str, float]) -> None:
    if per_appeal:
        print(f"CPU per appeal {phase} (ms): {sum(per_appeal.values()):.1f} in all = "
              + ", ".join(f"{k} {v}" for k, v in per_appeal.items()))
