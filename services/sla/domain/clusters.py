"""Grouping a run of accepted appeals by problem, decided in memory and in order.

Every counted appeal (rules.counted) with some text either joins the group of alike appeals
it belongs to or opens a new group. A group is a candidate; it becomes a **cluster** (a
concentration, its members under key supervision) when it reaches `min_members`:

- a group takes members for `window` after its first member; a cluster for `cluster_idle`
  after its newest one (a concentration lasts as long as the problem keeps being reported);
- an appeal belongs to a group sharing one of its LSH buckets, open at its time, whose
  exemplars (its first `exemplars` members' bigrams) hold a text at least `min_similarity`
  alike; of several such groups, the biggest.

What the handler loads for a run is bounded whatever the surge: per bucket at most
`candidates_per_band` groups, per group at most `exemplars` texts, and the members of groups
that are not clusters yet (fewer than `min_members` each). A cluster is a counter: joining it
costs the same with 10 members or 100,000. `GroupRun.accept` takes the run's appeals one by
one exactly as if each had been committed before the next.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from services.sla.domain.concentration import ConcentrationRules, similarity


@dataclass(frozen=True)
class Appeal:
    """What grouping needs of an accepted appeal."""

    appeal_id: UUID
    category: str
    district: str
    shingles: frozenset[int]
    bands: tuple[int, ...]  # its LSH bucket keys (empty: not counted, or no text)
    accepted_at: datetime


@dataclass
class Group:
    group_id: UUID
    category: str  # of its first member
    district: str
    first_member_at: datetime
    last_member_at: datetime
    member_count: int
    concentrated_at: datetime | None
    exemplars: list[tuple[UUID, frozenset[int]]]
    bands: set[int]  # the buckets it is filed under (its exemplars' bands)
    members: list[UUID] = field(default_factory=list)  # known only while it is not a cluster
    open_until: datetime | None = None  # only ever moves later (None: not computed yet)
    # What this run changed, for writing.
    is_new: bool = False
    added: list[UUID] = field(default_factory=list)
    new_exemplars: list[tuple[UUID, frozenset[int]]] = field(default_factory=list)
    new_bands: set[int] = field(default_factory=set)

    def extend(self, rules: ConcentrationRules) -> datetime:
        """Move `open_until` to what the members allow now, never earlier (a late arrival that
        becomes the first member does not close a group sooner; stored the same way)."""
        limit = (self.last_member_at + rules.cluster_idle if self.concentrated_at is not None
                 else self.first_member_at + rules.window)
        self.open_until = limit if self.open_until is None else max(self.open_until, limit)
        return self.open_until

    def takes(self, at: datetime, rules: ConcentrationRules) -> bool:
        """Open for an appeal accepted at `at` (late arrivals up to a window before its first)."""
        open_until = self.extend(rules) if self.open_until is None else self.open_until
        return self.first_member_at - rules.window <= at <= open_until

    def likeness(self, shingles: frozenset[int]) -> float:
        return max((similarity(s, shingles) for _, s in self.exemplars), default=0.0)


@dataclass(frozen=True)
class Detected:
    """A group that became a cluster in this run, with the members it is announced with."""

    group: Group
    members: tuple[UUID, ...]
    at: datetime


class GroupRun:
    def __init__(self, rules: ConcentrationRules, groups: Iterable[Group], new_id: Callable[[], UUID] = uuid4):
        self.rules, self._new_id = rules, new_id
        self.groups: dict[UUID, Group] = {}
        self._by_band: dict[int, list[Group]] = {}
        for group in groups:
            self._index(group, group.bands)
        self.detected: list[Detected] = []
        self.supervised: list[UUID] = []  # in the order they came under key supervision

    def _index(self, group: Group, bands: Iterable[int]) -> None:
        self.groups[group.group_id] = group
        for band in bands:
            bucket = self._by_band.setdefault(band, [])
            if group not in bucket:
                bucket.append(group)

    def accept(self, appeal: Appeal) -> Group | None:
        """Apply one appeal; returns its group (None when it is not counted)."""
        if not appeal.bands:
            return None
        group = self._best(appeal)
        if group is None:
            group = Group(self._new_id(), appeal.category, appeal.district, appeal.accepted_at, appeal.accepted_at,
                          member_count=0, concentrated_at=None, exemplars=[], bands=set(), is_new=True)
            self._index(group, ())
        self._join(group, appeal)
        return group

    def _best(self, appeal: Appeal) -> Group | None:
        """Among the alike groups, the biggest (then the most alike): when a report opened a
        second group of one problem, later reports alike to both keep to the first, so the
        second stays small instead of splitting the problem in halves."""
        seen: set[UUID] = set()
        best: tuple[int, float, datetime, Group] | None = None
        for band in appeal.bands:
            for group in self._by_band.get(band, ()):
                if group.group_id in seen or not group.takes(appeal.accepted_at, self.rules):
                    continue
                seen.add(group.group_id)
                score = group.likeness(appeal.shingles)
                if score < self.rules.min_similarity:
                    continue
                rank = (group.member_count, score, group.last_member_at)
                if best is None or rank > best[:3]:
                    best = (*rank, group)
        return best[3] if best else None

    def _join(self, group: Group, appeal: Appeal) -> None:
        group.member_count += 1
        group.first_member_at = min(group.first_member_at, appeal.accepted_at)
        group.last_member_at = max(group.last_member_at, appeal.accepted_at)
        group.added.append(appeal.appeal_id)
        if len(group.exemplars) < self.rules.exemplars:
            group.exemplars.append((appeal.appeal_id, appeal.shingles))
            group.new_exemplars.append((appeal.appeal_id, appeal.shingles))
            fresh = set(appeal.bands) - group.bands
            group.bands |= fresh
            group.new_bands |= fresh
            self._index(group, fresh)
        if group.concentrated_at is not None:
            self.supervised.append(appeal.appeal_id)  # the others are under key supervision already
            group.extend(self.rules)
            return
        group.members.append(appeal.appeal_id)
        if group.member_count >= self.rules.min_members:
            group.concentrated_at = appeal.accepted_at
            # Sorted: whichever way the members were loaded, a cluster is announced the same way.
            self.detected.append(Detected(group, tuple(sorted(group.members)), appeal.accepted_at))
            self.supervised.extend(group.members)
            group.members = []
        group.extend(self.rules)

    # --- what to write -----------------------------------------------------------------------

    def new_groups(self) -> list[Group]:
        return [g for g in self.groups.values() if g.is_new]

    def changed_groups(self) -> list[Group]:
        """Groups that existed before the run and gained members in it."""
        return [g for g in self.groups.values() if not g.is_new and g.added]

    def new_members(self) -> list[tuple[UUID, UUID]]:
        return [(g.group_id, a) for g in self.groups.values() for a in g.added]

    def new_exemplars(self) -> list[tuple[UUID, UUID, frozenset[int]]]:
        return [(g.group_id, a, s) for g in self.groups.values() for a, s in g.new_exemplars]

    def new_bands(self) -> list[tuple[int, UUID, datetime]]:
        return [(band, g.group_id, g.first_member_at) for g in self.groups.values() for band in sorted(g.new_bands)]
