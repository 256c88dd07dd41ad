"""`hotline up` stopped by SIGTERM (`kill`, systemd, `docker stop`) stops its five services too,
as Ctrl-C does; before, Python's default SIGTERM ended it at once and left them running."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hotline.registry import PROCESSES
from hotline.supervisor import ready

PORTS = {name: 18701 + i for i, name in enumerate(PROCESSES)}  # the five and the workbench


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_to_hotline_up_stops_its_five_services(settings, tmp_path):
    env = {**os.environ, "HOTLINE_ENV": "test", "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_TOPIC_PREFIX": settings.topic_prefix,
           "HOTLINE_STACK_DIR": str(tmp_path),  # its service logs, away from the local stack's
           **{f"HOTLINE_{name.upper()}_PORT": str(port) for name, port in PORTS.items()}}
    up = subprocess.Popen([sys.executable, "-m", "hotline.cli", "up"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not all(ready(port) for port in PORTS.values()):
            assert up.poll() is None, f"hotline up exited with {up.returncode}; logs in {tmp_path}"
            assert time.monotonic() < deadline, "the five services did not get ready"
            time.sleep(0.5)
        children = _children(up.pid)
        assert len(children) == len(PROCESSES)  # the five services and the staff workbench

        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=60) == 128 + signal.SIGTERM
        assert not [pid for pid in children if _alive(pid)], "a service outlived hotline up"
    finally:
        if up.poll() is None:
            up.kill()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
