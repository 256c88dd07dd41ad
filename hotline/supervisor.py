"""Run the five services as child processes and wait until each one is ready."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from shared.settings import Settings


class Services:
    """The five service processes started by `hotline up` or the demo.

    A process is named by its service ("routing") or, for a further replica of it, by the
    service and an instance suffix ("routing#2"): a replica runs the same service in the same
    consumer groups and needs its own HTTP port, given in `ports`. `service_env` adds settings
    of one service's processes over `env`, such as its own Kafka identity.
    """

    def __init__(self, names: list[str], log_dir: Path, env: dict[str, str] | None = None,
                 ports: dict[str, int] | None = None, service_env: dict[str, dict[str, str]] | None = None) -> None:
        self.names = names
        self.log_dir = log_dir
        self.env = {**os.environ, **(env or {})}
        self.ports = dict(ports or {})  # HTTP port by process name, over HOTLINE_<SERVICE>_PORT
        self.service_env = dict(service_env or {})  # by service: its replicas share it
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, names: list[str] | None = None) -> None:
        """Start the named processes (default: all), e.g. again after one was killed."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in names or self.names:
            service = service_of(name)
            env = {**self.env, **self.service_env.get(service, {})}
            if name in self.ports:
                env = {**env, f"HOTLINE_{service.upper()}_PORT": str(self.ports[name])}
            with open(self.log_dir / f"{name}.log", "ab") as log:
                self.procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "hotline.cli", "run", service],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                )

    def kill(self, name: str) -> None:
        """SIGKILL one service: no shutdown hooks, no final commit, as in a crash."""
        self.procs[name].kill()
        self.procs[name].wait()

    def port(self, name: str) -> int:
        return self.ports[name] if name in self.ports else _port_from(self.env, service_of(name))

    def wait_ready(self, timeout: float = 60.0, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names or self.names)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited; see {self.log_dir / (name + '.log')}")
                if ready(self.port(name)):
                    pending.remove(name)
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def wait(self) -> None:
        """Block until a child exits or we are interrupted."""
        while all(p.poll() is None for p in self.procs.values()):
            time.sleep(0.5)


@contextlib.contextmanager
def children_stopped_on_sigterm():
    """Inside, SIGTERM (`kill`, systemd, `docker stop`) ends this process the way Ctrl-C does:
    through its `finally` blocks, which stop the services it started. Python's default for
    SIGTERM ends the process at once, and the five services went on running as orphans.
    Signal handlers belong to the main thread; elsewhere this changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum, _frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, leave)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def service_of(name: str) -> str:
    """The service a process runs: "routing#2" (a replica) runs routing."""
    return name.partition("#")[0]


def port_of(name: str) -> int:
    return _port_from(dict(os.environ), name)


def _port_from(env: dict[str, str], name: str) -> int:
    """The port a service started with `env` listens on (HOTLINE_<NAME>_PORT, else its default)."""
    override = env.get(f"HOTLINE_{name.upper()}_PORT")
    return int(override) if override else Settings.model_fields[f"{name}_port"].default


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
