"""Concentration by similarity: bigrams, the MinHash signature (checked against datasketch),
LSH buckets, the rules as data, and a run of appeals grouped in memory (domain/clusters.py)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import numpy as np
import pytest
from datasketch import MinHash

from services.sla.domain.clusters import Appeal, Group, GroupRun
from services.sla.domain.concentration import (
    ConcentrationRules,
    band_keys,
    description,
    shingles,
    signature,
    similarity,
)
from services.sla.domain.rules import parse_rules

RULES_FILE = Path("services/sla/data/rules.json")
RULES = parse_rules(json.loads(RULES_FILE.read_text())).concentration
SMALL = ConcentrationRules(  # three alike appeals make a cluster, to keep the tables short
    window=timedelta(hours=6), cluster_idle=timedelta(hours=24), min_members=3, min_similarity=0.5,
    permutations=64, bands=16, exemplars=2, candidates_per_band=8, counted=frozenset({"consumer_complaint"}))
T0 = datetime(2026, 12, 1, 20, tzinfo=UTC)
OUTAGE = "铁西区兴华街锦绣花园{n}号楼从昨晚开始停水，整栋楼没有自来水，做饭喝水都成问题"
NOISE = "大东区长安路工地每天半夜还在施工，打桩声音特别大，周围居民根本睡不着觉"


def appeal(text: str, *, district="tiexi", at=T0, rules=SMALL) -> Appeal:
    grams = shingles(text)
    return Appeal(uuid4(), "water_supply", district, grams, band_keys(grams, district, rules), at)


def test_shingles_ignore_punctuation_width_and_spacing():
    assert shingles("停水 三天，！") == shingles("停水三天") == shingles("停水三天!!")
    assert shingles("ＡＢ") == shingles("ab") and shingles("") == frozenset() and shingles("水") == frozenset()


def test_the_signature_is_datasketchs_minhash_bit_for_bit():
    for text in (OUTAGE.format(n=3), NOISE, "咨询公积金提取政策"):
        grams = shingles(text)
        reference = MinHash(num_perm=64, hashfunc=lambda x: x)  # affine32, seed 1: datasketch's defaults
        reference.update_batch(list(grams))
        assert np.array_equal(signature(grams, 64), reference.hashvalues)


@pytest.mark.parametrize(("a", "b", "close"), [
    (OUTAGE.format(n=3), "你好，" + OUTAGE.format(n=4) + "请尽快处理。", True),
    (OUTAGE.format(n=3), "您好，我是居民，" + OUTAGE.format(n=12) + "老人孩子都没法生活。", True),
    (OUTAGE.format(n=3), NOISE, False),
    (OUTAGE.format(n=3), "铁西区兴华街锦绣花园3号楼电梯坏了一个星期，物业一直不修", False),
])
def test_reports_of_one_problem_in_their_own_words_are_alike_and_others_are_not(a, b, close):
    assert (similarity(shingles(a), shingles(b)) >= RULES.min_similarity) is close


def test_lsh_buckets_are_shared_by_alike_texts_and_salted_by_district():
    a, b = shingles(OUTAGE.format(n=3)), shingles("你好，" + OUTAGE.format(n=4))
    assert len(band_keys(a, "tiexi", RULES)) == RULES.bands
    assert set(band_keys(a, "tiexi", RULES)) & set(band_keys(b, "tiexi", RULES))
    assert not set(band_keys(a, "tiexi", RULES)) & set(band_keys(a, "heping", RULES)), "one problem is one place"
    assert not set(band_keys(a, "tiexi", RULES)) & set(band_keys(shingles(NOISE), "tiexi", RULES))
    assert band_keys(frozenset(), "tiexi", RULES) == ()


def test_the_rules_file_holds_the_thresholds_and_explains_them():
    raw = json.loads(RULES_FILE.read_text())["concentration"]
    assert RULES.min_members == raw["min_members"] >= 10, "five of a district in a day is ordinary traffic"
    assert RULES.permutations % RULES.bands == 0 and RULES.rows == 4
    assert all(raw.get(f"{key}_why") for key in ("window", "min_members", "cluster_idle", "min_similarity",
                                                 "lsh", "bounds", "counted"))
    assert RULES.counts("consumer_complaint", None) and RULES.counts("public_service_request", "help")
    assert not RULES.counts("public_service_request", "consultation"), "a question asked often is no problem"
    assert "12" in description(RULES) and "6h" in description(RULES)


@pytest.mark.parametrize("change", [
    {"min_members": 1}, {"min_similarity": 0}, {"bands": 5}, {"exemplars": 0},
    {"window": timedelta(0)}, {"counted": frozenset({"complaint_about_weather"})},
    {"counted": frozenset({"public_service_request/gossip"})},
])
def test_impossible_rules_stop_the_service_at_start(change):
    fields = {**SMALL.__dict__, **change}
    with pytest.raises(ValueError):
        ConcentrationRules(**fields)


def test_alike_appeals_reaching_min_members_make_one_cluster_announced_once():
    reports = [appeal(opening + OUTAGE.format(n=n), at=T0 + timedelta(minutes=n))
               for n, opening in enumerate(("", "你好，", "我要反映，", "您好，"))]
    run = GroupRun(SMALL, [])
    groups = {run.accept(a).group_id for a in reports}
    assert len(groups) == 1
    [found] = run.detected
    assert found.members == tuple(sorted(a.appeal_id for a in reports[:3])) and found.at == reports[2].accepted_at
    assert run.supervised == [a.appeal_id for a in reports], "the first three at detection, then the fourth"
    assert found.group.member_count == 4 and found.group.members == [], "a cluster is a counter"


def test_other_problems_other_districts_and_uncounted_appeals_stay_apart():
    run = GroupRun(SMALL, [])
    outage = [appeal(OUTAGE.format(n=n)) for n in (1, 2)]
    elsewhere = appeal(OUTAGE.format(n=1), district="heping")
    noise = appeal(NOISE)
    question = Appeal(uuid4(), "policies", "tiexi", frozenset(), (), T0)  # not counted: no buckets
    for a in (*outage, elsewhere, noise):
        run.accept(a)
    assert run.accept(question) is None
    assert sorted(g.member_count for g in run.groups.values()) == [1, 1, 2] and not run.detected


def test_a_group_takes_members_within_the_window_and_a_cluster_until_it_goes_quiet():
    run = GroupRun(SMALL, [])
    first = run.accept(appeal(OUTAGE.format(n=1)))
    late = run.accept(appeal(OUTAGE.format(n=2), at=T0 + timedelta(hours=7)))
    assert late is not first, "7 h after its first member a candidate group takes no more"
    for n in range(3, 5):
        run.accept(appeal(OUTAGE.format(n=n), at=T0 + timedelta(hours=7, minutes=n)))
    assert late.concentrated_at is not None
    again = run.accept(appeal(OUTAGE.format(n=9), at=T0 + timedelta(hours=30)))
    assert again is late, "a cluster takes members until a day passes without one"
    quiet = run.accept(appeal(OUTAGE.format(n=9), at=T0 + timedelta(hours=55)))
    assert quiet is not late


def test_a_loaded_cluster_is_joined_without_its_members():
    cluster = Group(uuid4(), "water_supply", "tiexi", T0, T0 + timedelta(hours=1), member_count=13_735,
                    concentrated_at=T0, exemplars=[(uuid4(), shingles(OUTAGE.format(n=1)))],
                    bands=set(band_keys(shingles(OUTAGE.format(n=1)), "tiexi", SMALL)))
    run = GroupRun(SMALL, [cluster])
    newcomer = appeal("我要反映，" + OUTAGE.format(n=2), at=T0 + timedelta(hours=2))
    assert run.accept(newcomer) is cluster
    assert run.supervised == [newcomer.appeal_id] and run.changed_groups() == [cluster]
    assert cluster.member_count == 13_736 and run.new_members() == [(cluster.group_id, newcomer.appeal_id)]
    assert run.new_exemplars() == [(cluster.group_id, newcomer.appeal_id, newcomer.shingles)]
    assert not run.new_groups() and not run.detected


def test_a_loaded_candidate_crossing_the_threshold_announces_its_earlier_members():
    earlier = [uuid4(), uuid4()]
    grams = shingles(OUTAGE.format(n=1))
    candidate = Group(uuid4(), "water_supply", "tiexi", T0, T0, member_count=2, concentrated_at=None,
                      exemplars=[(earlier[0], grams)], bands=set(band_keys(grams, "tiexi", SMALL)), members=list(earlier))
    run = GroupRun(SMALL, [candidate])
    third = appeal(OUTAGE.format(n=5), at=T0 + timedelta(minutes=5))
    run.accept(third)
    [found] = run.detected
    assert found.members == tuple(sorted((*earlier, third.appeal_id))) and run.supervised == [*earlier, third.appeal_id]


def test_the_best_alike_group_wins_and_exemplars_stop_at_the_limit():
    run = GroupRun(SMALL, [])
    reports = [appeal(f"{opening}{OUTAGE.format(n=1)}") for opening in ("", "你好，", "我要反映，", "您好，")]
    group = None
    for a in reports:
        group = run.accept(a)
    assert len(group.exemplars) == SMALL.exemplars == len(run.new_exemplars())
    assert {b for b, _, _ in run.new_bands()} <= {k for a in reports[:2] for k in a.bands}


def test_the_work_per_appeal_does_not_grow_with_the_cluster():
    """The comparisons an appeal costs: a few exemplars of a few groups, however many joined."""
    run = GroupRun(RULES, [])
    compared = []
    original = Group.likeness

    def counting(self, grams):
        compared.append(len(self.exemplars))
        return original(self, grams)
    Group.likeness = counting
    try:
        for i in range(3000):
            run.accept(appeal(("", "你好，", "我要反映，")[i % 3] + OUTAGE.format(n=i % 20), rules=RULES,
                              at=T0 + timedelta(seconds=i)))
    finally:
        Group.likeness = original
    [cluster] = [g for g in run.groups.values() if g.concentrated_at]
    assert cluster.member_count == 3000 and len(run.groups) == 1
    assert max(compared) <= RULES.exemplars and len(compared) <= 3000
