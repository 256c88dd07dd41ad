"""Concentration detection for a run of accepted appeals, decided in memory and in order.

The handler loads once per run what the run's appeals can meet (the clusters around them and,
only for the appeals that may need them, the earlier same-place appeals and the similar-text
candidates). `ClusterRun.accept` then takes the run's new appeals one by one and applies the
incremental rules exactly as if each appeal had been committed before the next one: a later
appeal sees the earlier ones as accepted appeals (in counts and candidates), as members, and
as the clusters they opened or widened. What changed is read back for writing.

The rules (thresholds in rules.json, explained in the README):
- category+district: join the newest open cluster of the place; if there is none, count the
  same-place appeals in the window (the new one included) and open a cluster at the threshold;
- similar text: join the newest open cluster whose representative (its opening member's
  shingles) is alike; if there is none, take the candidates (newest first, at most
  `candidates_limit`, as the SQL prefilter returns them) and, when the alike ones reach the
  threshold, join the open cluster holding one of them or open a cluster with all of them.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from services.sla.domain.concentration import ConcentrationRules, Profile, TextPrefilter, similarity, text_prefilter

PLACE, TEXT = "category_district", "similar_text"


@dataclass
class Cluster:
    cluster_id: UUID
    rule: str
    category: str
    district: str
    first_member_at: datetime
    last_member_at: datetime
    representative: frozenset[int] | None = None
    # Only the members that matter here: those loaded for the alike candidates, and this run's.
    members: set[UUID] = field(default_factory=set)
    added: list[UUID] = field(default_factory=list)  # members this run added (all of them if it opened it)
    opened_at: datetime | None = None  # set when this run opened it

    def reaches(self, lo: datetime, hi: datetime) -> bool:
        """Open for an appeal whose window is [lo, hi]: its members' span overlaps the window."""
        return self.last_member_at >= lo and self.first_member_at <= hi

    def add(self, appeal_id: UUID, at: datetime) -> bool:
        if appeal_id in self.members:
            return False
        self.members.add(appeal_id)
        self.added.append(appeal_id)
        self.first_member_at = min(self.first_member_at, at)
        self.last_member_at = max(self.last_member_at, at)
        return True


@dataclass(frozen=True)
class Opened:
    """A cluster this run opened, with the members it is announced with."""

    cluster: Cluster
    members: tuple[UUID, ...]


class ClusterRun:
    def __init__(self, rules: ConcentrationRules, candidates_limit: int, clusters: Iterable[Cluster],
                 new_id: Callable[[], UUID] = uuid4):
        self.rules, self.candidates_limit, self._new_id = rules, candidates_limit, new_id
        self.clusters = {c.cluster_id: c for c in clusters}
        # Loaded before the run, keyed by place and by appeal: appeals committed earlier.
        self.place_rows: dict[tuple[str, str], list[tuple[UUID, datetime]]] = {}
        self.candidates: dict[UUID, list[Profile]] = {}
        self.accepted: list[Profile] = []  # this run's new appeals so far, in order
        self.opened: list[Opened] = []
        self.supervised: set[UUID] = set()

    def window(self, profile: Profile) -> tuple[datetime, datetime]:
        return profile.accepted_at - self.rules.window, profile.accepted_at + self.rules.window

    def prefilter(self, profile: Profile) -> TextPrefilter | None:
        return text_prefilter(profile.shingles, self.rules.similar_text_min_similarity)

    # --- what to load: a run only adds and widens clusters, so an appeal that has an open
    # cluster before the run still has one when its turn comes and never counts or searches.

    def may_count(self, profile: Profile) -> bool:
        return self._place_cluster(profile, *self.window(profile)) is None

    def may_search(self, profile: Profile) -> bool:
        prefilter = self.prefilter(profile)
        return prefilter is not None and self._alike_cluster(profile, prefilter, *self.window(profile)) is None

    def know_place_rows(self, counting: Iterable[Profile], rows: Iterable[tuple[str, str, UUID, datetime]]) -> None:
        """The same-place appeals committed before the run, around the appeals that may count."""
        for p in counting:
            self.place_rows.setdefault((p.category, p.district), [])
        for category, district, appeal_id, at in rows:
            self.place_rows[(category, district)].append((appeal_id, at))

    def know_candidates(self, searching: Iterable[Profile], found: dict[UUID, list[Profile]]) -> None:
        """Each searching appeal's candidates committed before the run (newest first, limited)."""
        for p in searching:
            self.candidates[p.appeal_id] = found.get(p.appeal_id, [])

    def alike_candidates(self, searching: Iterable[Profile]) -> set[UUID]:
        """Loaded candidates alike to the appeal they were loaded for: their clusters matter."""
        threshold = self.rules.similar_text_min_similarity
        return {c.appeal_id for p in searching for c in self.candidates[p.appeal_id]
                if similarity(c.shingles, p.shingles) >= threshold}

    def know_members(self, pairs: Iterable[tuple[UUID, UUID]]) -> None:
        for cluster_id, appeal_id in pairs:
            if cluster_id in self.clusters:
                self.clusters[cluster_id].members.add(appeal_id)

    # --- deciding --------------------------------------------------------------------------

    def accept(self, new: Profile) -> None:
        """Apply one new appeal, seeing everything this run decided before it."""
        self.accepted.append(new)
        lo, hi = self.window(new)
        self._same_place(new, lo, hi)
        self._similar_text(new, lo, hi)

    def _same_place(self, new: Profile, lo: datetime, hi: datetime) -> None:
        cluster = self._place_cluster(new, lo, hi)
        if cluster is not None:
            self._join(cluster, new)
            return
        place = (new.category, new.district)
        members = [(a, at) for a, at in self.place_rows[place] if lo <= at <= hi]
        members += [(p.appeal_id, p.accepted_at) for p in self.accepted
                    if (p.category, p.district) == place and lo <= p.accepted_at <= hi]  # itself included
        if len(members) >= self.rules.same_category_district:
            self._open(PLACE, new, members, representative=None)

    def _similar_text(self, new: Profile, lo: datetime, hi: datetime) -> None:
        prefilter = self.prefilter(new)
        if prefilter is None:
            return  # nothing is similar to an empty text
        cluster = self._alike_cluster(new, prefilter, lo, hi)
        if cluster is None:
            threshold = self.rules.similar_text_min_similarity
            alike = [(c.appeal_id, c.accepted_at) for c in self._text_candidates(new, prefilter, lo, hi)
                     if similarity(c.shingles, new.shingles) >= threshold]
            if len(alike) + 1 < self.rules.similar_text_min_count:
                return
            ids = {a for a, _ in alike}
            # An open cluster that already holds one of them (its representative drifted away).
            cluster = self._newest(TEXT, lo, hi, lambda c: not c.members.isdisjoint(ids))
            if cluster is None:
                self._open(TEXT, new, [*alike, (new.appeal_id, new.accepted_at)], representative=new.shingles)
                return
        self._join(cluster, new)

    def _text_candidates(self, new: Profile, prefilter: TextPrefilter, lo: datetime, hi: datetime) -> list[Profile]:
        """What the candidates query returns once the run's earlier appeals are committed: the
        loaded ones and the earlier new ones, newest first, cut at the same limit."""
        earlier = [p for p in self.accepted[:-1] if lo <= p.accepted_at <= hi and prefilter.admits(p.shingles)]
        merged = sorted([*self.candidates[new.appeal_id], *earlier], key=lambda p: p.accepted_at, reverse=True)
        return merged[:self.candidates_limit]

    def _place_cluster(self, profile: Profile, lo: datetime, hi: datetime) -> Cluster | None:
        place = (profile.category, profile.district)
        return self._newest(PLACE, lo, hi, lambda c: (c.category, c.district) == place)

    def _alike_cluster(self, profile: Profile, prefilter: TextPrefilter, lo: datetime, hi: datetime
                       ) -> Cluster | None:
        # The prefilter is implied by similarity >= threshold; it only saves computing it.
        threshold = self.rules.similar_text_min_similarity
        return self._newest(TEXT, lo, hi, lambda c: c.representative is not None
                            and prefilter.admits(c.representative)
                            and similarity(c.representative, profile.shingles) >= threshold)

    def _newest(self, rule: str, lo: datetime, hi: datetime, test: Callable[[Cluster], bool]) -> Cluster | None:
        found = [c for c in self.clusters.values() if c.rule == rule and c.reaches(lo, hi) and test(c)]
        return max(found, key=lambda c: c.last_member_at, default=None)

    def _join(self, cluster: Cluster, new: Profile) -> None:
        if cluster.add(new.appeal_id, new.accepted_at):
            self.supervised.add(new.appeal_id)  # only the new member: the others are marked already

    def _open(self, rule: str, new: Profile, members: list[tuple[UUID, datetime]],
              representative: frozenset[int] | None) -> None:
        """A cluster opens with every member found; all of them go under key supervision."""
        ids = tuple(sorted({m for m, _ in members}))
        cluster = Cluster(self._new_id(), rule, new.category, new.district,
                          first_member_at=min(at for _, at in members), last_member_at=max(at for _, at in members),
                          representative=representative, members=set(ids), added=list(ids),
                          opened_at=new.accepted_at)
        self.clusters[cluster.cluster_id] = cluster
        self.opened.append(Opened(cluster, ids))
        self.supervised.update(ids)

    # --- what to write -----------------------------------------------------------------------

    def new_clusters(self) -> list[Cluster]:
        return [o.cluster for o in self.opened]

    def widened(self) -> list[Cluster]:
        """Clusters that existed before the run and gained members in it."""
        return [c for c in self.clusters.values() if c.opened_at is None and c.added]

    def new_members(self) -> list[tuple[UUID, UUID]]:
        return [(c.cluster_id, a) for c in self.clusters.values() for a in c.added]
