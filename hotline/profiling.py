"""Where the bench's CPU goes: CPU seconds per process, and py-spy profiles of the services.

CPU time (psutil) is the figure that survives a noisy shared machine: wall-clock rates
move with whatever else runs, the CPU a service spends per appeal much less. The profiles are
py-spy's raw (collapsed) stacks, summarised as the share of busy samples under each function
of our own code, which is what points at a bottleneck.
"""

import collections
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psutil

_LINE_NUMBER = re.compile(r":\d+\)")


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU of one process so far (0 when it is gone); with `reaped_children`, also
    that of its children that have exited and were waited for."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    used = times.user + times.system
    if reaped_children:
        used += times.children_user + times.children_system
    return used


def postgres_cpu_seconds() -> float:
    """All PostgreSQL processes together. Backends come and go with the services' connections:
    a backend that exits moves its CPU into the postmaster's reaped-children time, so the total
    counts it once whether it is still alive or not."""
    total = 0.0
    for proc in psutil.process_iter(["name", "ppid"]):
        if proc.info["name"] != "postgres":
            continue
        try:
            postmaster = psutil.Process(proc.info["ppid"]).name() != "postgres"
        except psutil.Error:
            continue
        total += cpu_seconds(proc.pid, reaped_children=postmaster)
    return total


class InstructionCounter:
    """Instructions the whole machine retires while it runs (`perf stat -a`), all processes.

    Instructions move much less than CPU seconds with what else the host runs (at full speed,
    runs of one commit within about 5% where CPU seconds per appeal moved by a third), so this
    is the figure to compare commits by. Where `perf` is missing or the machine's
    counters are not exposed, `stop()` gives None and the bench says so.
    """

    def __init__(self, out: Path) -> None:
        self._out = out
        perf = shutil.which("perf")
        self._proc = None if perf is None else subprocess.Popen(
            [perf, "stat", "-a", "-x", ",", "-e", "instructions", "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> int | None:
        if self._proc is None:
            return None
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            return None
        return instructions_in(self._out.read_text()) if self._out.exists() else None


def instructions_in(perf_csv: str) -> int | None:
    """The instruction count in `perf stat -x ,` output, None when the counter is unsupported."""
    for line in perf_csv.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("instructions"):
            return int(fields[0]) if fields[0].isdigit() else None
    return None


class Profiler:
    """py-spy recording each service for a while; `summary()` once they are done."""

    def __init__(self, out_dir: Path, pids: dict[str, int], seconds: int) -> None:
        if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
            raise RuntimeError("py-spy is not installed (pip install -e '.[dev]')")
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        out_dir.mkdir(parents=True, exist_ok=True)
        self.files = {name: out_dir / f"{name}.txt" for name in pids}
        self._procs = [
            subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "50", "-f", "raw",
                              "--nonblocking", "-o", str(self.files[name])],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()
        ]

    def wait(self) -> None:
        for proc in self._procs:
            proc.wait()

    def summary(self, top: int = 6) -> dict[str, list[tuple[float, str]]]:
        return {name: hot_spots(path, top) for name, path in self.files.items() if path.exists()}


def hot_spots(collapsed: Path, top: int = 6, own: tuple[str, ...] = ("services/", "shared/")) -> list[tuple[float, str]]:
    """Our own functions that the busy samples were in, as a share of all busy samples.

    Each sample counts for the deepest frame of our own code on its stack: the repository
    function waiting on its SQL, the handler doing its own work, rather than the consumer
    loop that is on every stack.
    """
    deepest: collections.Counter = collections.Counter()
    busy = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_LINE_NUMBER.sub(")", f) for f in stack.split(";")]
        if _idle(frames[-1]):
            continue
        busy += int(count)
        ours = [f for f in frames if any(part in f for part in own)]
        deepest[ours[-1] if ours else "(framework and libraries)"] += int(count)
    return [(round(100 * n / busy, 1), frame) for frame, n in deepest.most_common(top)] if busy else []


def _idle(frame: str) -> bool:
    # The event loop waiting for sockets is not work. uvloop's loop is native code, so a
    # sample taken while it waits ends in the Python frame that started it (Runner.run).
    return ("select (selectors" in frame or "poll (selectors" in frame or "_run_once" in frame
            or frame.startswith("Runner.run (asyncio/runners.py"))
