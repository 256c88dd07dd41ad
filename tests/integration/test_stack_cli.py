"""`hotline stack` on the running local stack: `up` again changes nothing, `status` says running."""

import os
import subprocess
import sys

import pytest

from hotline.stack.config import StackConfig


def hotline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def local_stack(infra):
    if infra.kafka_bootstrap != StackConfig().kafka_bootstrap or "HOTLINE_STACK_DIR" in os.environ:
        reason = "the suite runs against another Kafka than the default local stack"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI runs on `make test`'s local stack: anything else is a broken set-up
        pytest.skip(reason)
    return StackConfig()


def test_up_twice_is_fine_and_status_reports_running(local_stack):
    again = hotline("stack", "up")
    assert again.returncode == 0, again.stderr
    assert "postgres already running" in again.stdout and "kafka already running" in again.stdout
    status = hotline("stack", "status")
    assert "postgres: running" in status.stdout and "kafka: running" in status.stdout


def test_the_broker_keeps_a_gc_log_beside_its_own_logs(local_stack):
    """A pause of the broker stalls every hop at once; its GC log is where an operator checks
    whether a latency spike was one (bench's 'slowest seconds' give the times to look up)."""
    gc_log = local_stack.state_dir / "kafka" / "logs" / "kafkaServer-gc.log"
    assert gc_log.exists(), f"{gc_log} missing: was the broker started by an older `hotline stack up`?"
    assert "Using G1" in gc_log.read_text(errors="replace")
