"""One summary line per reliability scenario: what went in, what came out, what was lost or doubled.

A scenario test calls `record(...)` once it has counted its outcome (and before it asserts, so
a failing run still reports its counts); `pytest_terminal_summary` in tests/conftest.py prints
every line at the end of the run, so `make test` shows them in CI's log.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    scenario: str
    submitted: int
    final: int  # reached the expected final state in every service
    lost: int
    duplicated: int  # an effect applied more than once (a second row, letter or count)

    def line(self) -> str:
        return (f"{self.scenario}: submitted {self.submitted}, reached final state {self.final}, "
                f"lost {self.lost}, duplicated {self.duplicated}")


OUTCOMES: list[Outcome] = []


def record(scenario: str, *, submitted: int, final: int, lost: int, duplicated: int) -> Outcome:
    outcome = Outcome(scenario, submitted, final, lost, duplicated)
    OUTCOMES.append(outcome)
    return outcome
