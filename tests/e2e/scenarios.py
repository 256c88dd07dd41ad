"""One summary line per reliability scenario: what went in, what came out, what was lost or doubled.

A scenario test calls `record(...)` once it has counted its outcome (and before it asserts, so
a failing run still reports its counts); `pytest_terminal_summary` in tests/conftest.py prints
every line at the end of the run, so `make test` shows them in CI's log.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID


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


@dataclass(frozen=True)
class Tally:
    """Where a run's appeals stand: per table, how many rows each appeal has."""

    rows: dict[str, dict[UUID, int]]
    ours: set[UUID]  # the run's appeals intake stored
    lost: set[UUID]  # missing from some table
    duplicated: set[UUID]  # more than one row in some table

    def record(self, scenario: str, submitted: int) -> Outcome:
        return record(scenario, submitted=submitted, final=len(self.ours - self.lost - self.duplicated),
                      lost=len(self.lost) + submitted - len(self.ours), duplicated=len(self.duplicated))


async def tally(db: Any, tables: Sequence[str], run: str) -> Tally:
    """Count the rows of each table for the appeals whose channel message ids start with `run-`
    (tables[0] is intake.appeals, whose appeals are the run's)."""
    rows = {}
    for table in tables:
        rows[table] = {r["appeal_id"]: r["n"] for r in await db.fetch(
            f"SELECT appeal_id, count(*) AS n FROM {table} t JOIN intake.appeals a USING (appeal_id) "
            "WHERE a.channel_message_id LIKE $1 GROUP BY appeal_id", f"{run}-%")}
    ours = set(rows["intake.appeals"])
    return Tally(rows, ours, lost={a for a in ours if any(a not in rows[t] for t in tables)},
                 duplicated={a for a in ours if any(rows[t].get(a, 0) > 1 for t in tables)})
