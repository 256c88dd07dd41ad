"""The platform's notion of now, so a simulation can run a month of deadlines in minutes.

Production uses the system clock. Simulations have two virtual clocks:

- **continuous** (HOTLINE_CLOCK_START, an ISO time, and HOTLINE_CLOCK_SPEED, e.g. 1440: a day
  per minute): every process computes the same virtual time from the wall clock, without
  talking to each other. Simple, but it runs ahead of a platform that is slower than the
  speed: on a loaded machine deadlines pass before the units' replies are through, so the
  same seed gives different reports.
- **stepped** (HOTLINE_CLOCK_FILE): virtual time is the instant written in a small file, the
  same for every process, and it moves only when the one who drives it (`hotline demo`'s
  simulation) writes the next step - which it does only after every service has caught up
  with the last one (hotline/simulation/stepping.py). Time then never outruns the platform:
  a slow machine takes longer, not a different course.
"""

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path


@dataclass(frozen=True)
class Clock:
    start: datetime | None = None  # virtual time at `anchor`; None means the real clock
    speed: float = 1.0
    anchor: float = 0.0  # wall-clock seconds (time.time()) at which virtual time was `start`
    file: str | None = None  # a stepped clock: now is the instant this file holds

    def now(self) -> datetime:
        if self.file is not None:
            return read_clock_file(self.file)
        if self.start is None:
            return datetime.now(UTC)
        return self.start + timedelta(seconds=(time.time() - self.anchor) * self.speed)

    def seconds_for(self, virtual: timedelta) -> float:
        """Wall-clock seconds until `virtual` time has passed (for pollers' sleeps); for a stepped
        clock, what `speed` (its nominal pace) makes of it."""
        return virtual.total_seconds() / self.speed

    @property
    def stepped(self) -> bool:
        return self.file is not None


SYSTEM_CLOCK = Clock()


def read_clock_file(path: str) -> datetime:
    """The stepped clock's instant. Read on every call (about 10 µs: a ~30-byte file), never
    cached: after the driver writes step n+1, every read by any process shows n+1, which is
    what keeps each step's facts on the same side of a deadline in every run."""
    with open(path, encoding="ascii") as f:
        return datetime.fromisoformat(f.read().strip())


def write_clock_file(path: str | Path, moment: datetime) -> None:
    """Move a stepped clock: write a sibling and rename it over the file, so a reader sees
    the old instant or the new one, never a half-written line."""
    path = Path(path)
    fresh = path.with_name(f".{path.name}.{os.getpid()}")
    fresh.write_text(moment.astimezone(UTC).isoformat(), encoding="ascii")
    os.replace(fresh, path)
