"""Use cases that read: a month's (or a date range's) report computed from the stored facts."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from services.assessment.adapters import closings, repository, weights as weights_sql
from services.assessment.domain.appeals import AppealVerdict
from services.assessment.domain.periods import previous_period
from services.assessment.domain.report import as_rows, in_month, in_range, scorecards, verdicts
from services.assessment.domain.scoring import UnitScoreCard, Weights
from shared.contracts.events import UnitScore

Conn = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class Report:
    label: str
    weights: Weights
    cards: list[UnitScoreCard]
    verdicts: list[AppealVerdict]
    counts: Callable[[str, datetime], bool]   # whether a letter (month, receipt time) is in the report
    closing: dict | None = None

    def rows(self) -> list[dict]:
        return as_rows(self.cards)

    def published(self) -> list[dict]:
        """What the municipal feed gets: ranked units only (the contract requires a rank)."""
        scores = [
            UnitScore(unit_code=r["unit_code"], group=r["group"], received=r["received"], score=r["score"],
                      rank=r["rank"], rank_change=r["rank_change"], rates=r["rates"], deductions=r["deductions"])
            for r in self.rows() if r["rank"] is not None
        ]
        return [s.model_dump(mode="json") for s in scores]


async def weights_for(conn: Conn, period: str) -> tuple[Weights, dict | None]:
    """A closed month keeps the weights it was closed with; an open one uses the current version."""
    closed = await closings.closing(conn, period)
    if closed:
        return await weights_sql.by_version(conn, closed["weights_version"]), closed
    return await weights_sql.current(conn), None


async def ranks_of(conn: Conn, period: str) -> dict[str, int]:
    """Units' ranks in a month: as published if it was closed, else as computed now."""
    closed = await closings.closing(conn, period)
    if closed:
        return {s["unit_code"]: s["rank"] for s in closed["scores"]}
    weights = await weights_sql.current(conn)
    cards = scorecards(verdicts(await repository.facts_of_period(conn, period)), in_month(period), weights)
    return {c.metrics.unit_code: c.rank for c in cards if c.rank is not None}


async def month_report(conn: Conn, period: str, weights: Weights | None = None) -> Report:
    chosen, closed = await weights_for(conn, period)
    weights = weights or chosen
    judged = verdicts(await repository.facts_of_period(conn, period))
    previous = await ranks_of(conn, previous_period(period))
    counts = in_month(period)
    return Report(period, weights, scorecards(judged, counts, weights, previous), judged, counts, closed)


async def range_report(conn: Conn, start: date, end: date) -> Report:
    weights = await weights_sql.current(conn)
    judged = verdicts(await repository.facts_of_range(conn, start, end))
    counts = in_range(start, end)
    return Report(f"{start}..{end}", weights, scorecards(judged, counts, weights), judged, counts)
