"""A run of accepted appeals decided in memory: each appeal sees the earlier ones of the run
as if they had been committed one by one (domain/clusters.py)."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from services.sla.domain.clusters import PLACE, TEXT, Cluster, ClusterRun
from services.sla.domain.concentration import ConcentrationRules, Profile, shingles

RULES = ConcentrationRules(window=timedelta(hours=24), same_category_district=3,
                           similar_text_min_similarity=0.8, similar_text_min_count=3)
T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
TEXT_A = "和平区太原街一家超市乱收费，标价和结账价格不一致。"


def profile(text: str | frozenset[int], *, place=("prices", "heping"), at=T0) -> Profile:
    return Profile(uuid4(), *place, text if isinstance(text, frozenset) else shingles(text), at)


def decide(run: ClusterRun, profiles, place_rows=(), candidates=None) -> ClusterRun:
    """What the handler does: load for the appeals that may count or search, then accept in order."""
    counting = [p for p in profiles if run.may_count(p)]
    run.know_place_rows(counting, place_rows)
    searching = [p for p in profiles if run.may_search(p)]
    run.know_candidates(searching, candidates or {})
    for p in profiles:
        run.accept(p)
    return run


def test_the_third_alike_appeal_of_a_run_opens_the_cluster_and_the_fourth_joins_it():
    places = [("prices", "heping"), ("water", "tiexi"), ("power", "dadong"), ("food", "hunnan")]
    alike = [profile(TEXT_A + "!" * (i % 2), place=places[i], at=T0 + timedelta(minutes=i)) for i in range(4)]
    run = decide(ClusterRun(RULES, 2000, []), alike)
    [opened] = run.opened
    assert opened.cluster.rule == TEXT and set(opened.members) == {p.appeal_id for p in alike[:3]}
    assert opened.cluster.representative == alike[2].shingles, "the opening member's shingles"
    assert opened.cluster.added == sorted(opened.members) + [alike[3].appeal_id]
    assert run.supervised == {p.appeal_id for p in alike}
    assert opened.cluster.last_member_at == alike[3].accepted_at


def test_same_place_counts_committed_appeals_the_earlier_ones_of_the_run_and_itself():
    earlier = (uuid4(), T0 - timedelta(hours=2))
    first, second = (profile(f"第{i}件不同的事{i * 17}", at=T0 + timedelta(minutes=i)) for i in range(2))
    run = decide(ClusterRun(RULES, 2000, []), [first, second], place_rows=[("prices", "heping", *earlier)])
    [opened] = run.opened
    assert opened.cluster.rule == PLACE and opened.cluster.opened_at == second.accepted_at
    assert set(opened.members) == {earlier[0], first.appeal_id, second.appeal_id}
    assert run.supervised == set(opened.members)


def test_an_existing_cluster_is_joined_and_widened_not_reopened():
    existing = Cluster(uuid4(), PLACE, "prices", "heping", T0 - timedelta(hours=5), T0 - timedelta(hours=1))
    late = profile("别的事情", at=T0 + timedelta(hours=3))
    run = decide(ClusterRun(RULES, 2000, [existing]), [late])
    assert not run.opened and run.widened() == [existing]
    assert existing.last_member_at == late.accepted_at
    assert run.new_members() == [(existing.cluster_id, late.appeal_id)] and run.supervised == {late.appeal_id}


def test_candidates_are_cut_at_the_limit_newest_first_as_the_query_would_after_each_commit():
    # a = {1..10}: prefix [1..4], sizes 7..13. The unlike ones pass its prefilter without being alike.
    a = frozenset(range(1, 11))
    rules = ConcentrationRules(window=timedelta(hours=24), same_category_district=99,
                               similar_text_min_similarity=0.8, similar_text_min_count=2)
    alike_before = profile(frozenset(range(1, 10)), at=T0 - timedelta(hours=2))
    unlike_before = profile(frozenset({1, *range(20, 28)}), at=T0 - timedelta(hours=1))
    in_run = profile(frozenset({2, *range(30, 38)}), at=T0 - timedelta(minutes=30))
    new = profile(a, at=T0)
    # What the query returns before the run: each appeal's newest two that pass its prefilter.
    loaded = {new.appeal_id: [unlike_before, alike_before], in_run.appeal_id: [alike_before]}

    assert len(decide(ClusterRun(rules, 2, []), [new], candidates=loaded).opened) == 1, \
        "alone, the alike appeal is among the newest two"
    run = decide(ClusterRun(rules, 2, []), [in_run, new], candidates=loaded)
    assert not run.opened, "after the run's newer appeal, the alike one falls beyond the limit"


def test_an_appeal_with_an_open_cluster_before_the_run_neither_counts_nor_searches():
    open_text = Cluster(uuid4(), TEXT, "x", "y", T0 - timedelta(hours=1), T0, representative=shingles(TEXT_A))
    open_place = Cluster(uuid4(), PLACE, "prices", "heping", T0 - timedelta(hours=1), T0)
    run = ClusterRun(RULES, 2000, [open_text, open_place])
    joining = profile(TEXT_A)
    assert not run.may_count(joining) and not run.may_search(joining)
    assert run.may_count(profile(TEXT_A, place=("prices", "tiexi")))
    assert not run.may_search(profile(""))  # nothing is similar to an empty text
