"""SLA's rules as data: period overrides, the ladder, concentration thresholds, parking."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.sla.domain.concentration import ConcentrationRules
from services.sla.domain.ladder import Step, parse_steps
from shared.contracts.vocabulary import CATEGORIES, AppealType


@dataclass(frozen=True)
class Rules:
    version: str
    period_overrides: dict[tuple[str, str], int]
    ladder: tuple[Step, ...]
    concentration: ConcentrationRules
    park_max_wait: timedelta


def parse_rules(raw: dict[str, Any]) -> Rules:
    """Rules from the data file; a wrong file stops the service at start, not mid-stream."""
    overrides: dict[tuple[str, str], int] = {}
    for item in raw.get("period_overrides", []):
        appeal_type = AppealType(item["appeal_type"])
        if item["category"] not in CATEGORIES[appeal_type]:
            raise ValueError(f"override: {item['category']!r} is not a category of {appeal_type.value}")
        days = int(item["working_days"])
        if days < 1:
            raise ValueError("override: a period has at least one working day")
        overrides[(appeal_type.value, item["category"])] = days
    c = raw["concentration"]
    return Rules(
        version=raw["version"],
        period_overrides=overrides,
        ladder=parse_steps(raw["ladder"]),
        concentration=ConcentrationRules(
            window=timedelta(hours=float(c["window_hours"])),
            cluster_idle=timedelta(hours=float(c["cluster_idle_hours"])),
            min_members=int(c["min_members"]),
            min_similarity=float(c["min_similarity"]),
            permutations=int(c["minhash_permutations"]),
            bands=int(c["lsh_bands"]),
            exemplars=int(c["exemplars"]),
            candidates_per_band=int(c["candidates_per_band"]),
            counted=frozenset(c["counted"]),
        ),
        park_max_wait=timedelta(hours=float(raw["parking"]["max_wait_hours"])),
    )
