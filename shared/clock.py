"""The platform's notion of now, so a simulation can run a month of deadlines in minutes.

Production uses the system clock. With HOTLINE_CLOCK_START (ISO time) and
HOTLINE_CLOCK_SPEED (e.g. 1440: a day per minute), every service process computes the same
virtual time from the wall clock, without talking to each other.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Clock:
    start: datetime | None = None  # virtual time at `anchor`; None means the real clock
    speed: float = 1.0
    anchor: float = 0.0  # wall-clock seconds (time.time()) at which virtual time was `start`

    def now(self) -> datetime:
        if self.start is None:
            return datetime.now(UTC)
        return self.start + timedelta(seconds=(time.time() - self.anchor) * self.speed)

    def seconds_for(self, virtual: timedelta) -> float:
        """Wall-clock seconds until `virtual` time has passed (for pollers' sleeps)."""
        return virtual.total_seconds() / self.speed


SYSTEM_CLOCK = Clock()
