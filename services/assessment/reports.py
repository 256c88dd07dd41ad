"""Use cases that read: a month's report from the running totals, a date range's from verdict rows.

A month costs two small queries whatever its size: the totals (one row per unit) and the
pending rows whose outcome time alone decides (`as_of`). Both the API and closing use it.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg

from services.assessment.adapters import closings
from services.assessment.adapters import verdicts as verdicts_sql
from services.assessment.adapters import weights as weights_sql
from services.assessment.domain.metrics import aggregate, metrics_of
from services.assessment.domain.periods import next_period, period_start, previous_period
from services.assessment.domain.report import as_rows, in_range, scorecards
from services.assessment.domain.scoring import UnitScoreCard, Weights
from shared.contracts.events import UnitScore
from shared.contracts.local_time import SHANGHAI

Conn = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class Report:
    label: str
    weights: Weights
    cards: list[UnitScoreCard]
    as_of: datetime
    period: str | None = None                  # a month, or None for a date range
    span: tuple[datetime, datetime] | None = None
    closing: dict | None = None
    answered_at_intake: int = 0                # the centre's own direct answers (直接办结)

    def rows(self) -> list[dict]:
        return as_rows(self.cards)

    @property
    def undecided(self) -> dict[str, int]:
        return {k: sum(c.metrics.undecided[k] for c in self.cards) for k in ("response", "on_time")}

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
        kept = await weights_sql.by_version(conn, closed["weights_version"])
        if kept is None:  # the closing references its version (a foreign key): never the case
            raise LookupError(f"weights version {closed['weights_version']} of {period}'s closing is missing")
        return kept, closed
    return await weights_sql.current(conn), None


async def month_metrics(conn: Conn, period: str, now: datetime) -> list:
    late = await verdicts_sql.lapsed(conn, period, now)
    return [metrics_of(t["unit_code"], t["unit_group"], t, late.get(t["unit_code"], {}))
            for t in await verdicts_sql.totals(conn, period)]


async def ranks_of(conn: Conn, period: str, now: datetime) -> dict[str, int]:
    """Units' ranks in a month: as published if it was closed, else as computed now."""
    closed = await closings.closing(conn, period)
    if closed:
        return {s["unit_code"]: s["rank"] for s in closed["scores"]}
    cards = scorecards(await month_metrics(conn, period, now), await weights_sql.current(conn))
    return {c.metrics.unit_code: c.rank for c in cards if c.rank is not None}


async def month_report(conn: Conn, period: str, now: datetime, weights: Weights | None = None) -> Report:
    chosen, closed = await weights_for(conn, period)
    weights = weights or chosen
    previous = await ranks_of(conn, previous_period(period), now)
    cards = scorecards(await month_metrics(conn, period, now), weights, previous)
    centre = await verdicts_sql.answered_at_intake(conn, period_start(period), period_start(next_period(period)))
    return Report(period, weights, cards, now, period=period, closing=closed, answered_at_intake=centre)


async def trend(conn: Conn, period: str, months: int, now: datetime) -> tuple[list[str], dict[str, list[float | None]]]:
    """Each unit's score in the `months` months up to `period` (None where it had none): O(units) per month."""
    chosen = [period]
    while len(chosen) < months:
        chosen.insert(0, previous_period(chosen[0]))
    scores: dict[str, list[float | None]] = {}
    for i, month in enumerate(chosen):
        weights, _ = await weights_for(conn, month)
        for card in scorecards(await month_metrics(conn, month, now), weights):
            scores.setdefault(card.metrics.unit_code, [None] * len(chosen))[i] = card.score
    return chosen, scores


def span_of(start: date, end: date) -> tuple[datetime, datetime]:
    since = datetime(start.year, start.month, start.day, tzinfo=SHANGHAI)
    return since, datetime(end.year, end.month, end.day, tzinfo=SHANGHAI) + timedelta(days=1)


async def range_report(conn: Conn, start: date, end: date, now: datetime) -> Report:
    weights = await weights_sql.current(conn)
    span = span_of(start, end)
    units = aggregate(await verdicts_sql.rows_in_range(conn, *span), in_range(start, end), now)
    return Report(f"{start}..{end}", weights, scorecards(units.values(), weights), now, span=span,
                  answered_at_intake=await verdicts_sql.answered_at_intake(conn, *span))
