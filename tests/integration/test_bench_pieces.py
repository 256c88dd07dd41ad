"""The bench's ceiling against the real broker, small: bare relays carry a few submissions through
every hop, at a fixed rate and all at once (the whole `hotline bench` is not run here: it drops
the stack's earlier bench databases)."""

import uuid

import pytest

from hotline.bench.ceiling import ceiling, ceiling_fixed
from hotline.bench.report import Report

pytestmark = pytest.mark.slow  # five relay processes on a loaded machine: about a minute


def test_bare_relays_carry_every_submission_through_the_hops(settings):
    run = uuid.uuid4().hex[:8]
    report = Report()
    ceiling_fixed(settings, run, rate=20, seconds=1, report=report)
    assert report.ceiling_latency_ms["measured"] == 20
    assert 0 < report.ceiling_latency_ms["p50"] <= report.ceiling_latency_ms["p99"]
    assert {"relay intake", "relay routing", "bench"} <= set(report.ceiling_fixed_cpu_ms_per_appeal)
    assert ceiling(settings, run, 30) > 0
