"""Concentrated appeals: same category and district, or near-identical text, in a window."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.sla.adapters.rules_file import load_rules
from services.sla.domain.concentration import ConcentrationRules, Profile, detect, shingles, similarity

RULES = ConcentrationRules(window=timedelta(hours=24), same_category_district=3,
                           similar_text_min_similarity=0.8, similar_text_min_count=3)
T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)
TEXT = "和平区太原街一家超市乱收费，标价和结账价格不一致。"


def profile(text=TEXT, category="prices", district="heping", at=T0) -> Profile:
    return Profile(uuid4(), category, district, shingles(text), at)


def test_shingles_ignore_punctuation_width_and_spacing():
    assert shingles("超市乱收费！１２３") == shingles("超市 乱收费 123")
    assert similarity(shingles(TEXT), shingles(TEXT)) == 1.0
    assert similarity(shingles(TEXT), shingles("小区停水两天了，自来水一直没来。")) < 0.1
    assert similarity(frozenset(), shingles(TEXT)) == 0.0


def test_same_category_and_district_reaching_the_threshold_is_a_concentration():
    earlier = [profile(text=f"不同的描述{i}号楼收费问题", at=T0 + timedelta(hours=i)) for i in range(2)]
    new = profile(text="完全另外一件事情的描述", at=T0 + timedelta(hours=5))
    findings = detect(new, earlier, RULES)
    assert [f.rule for f in findings] == ["category_district"]
    assert set(findings[0].members) == {p.appeal_id for p in earlier} | {new.appeal_id}
    assert findings[0].description == "category+district>=3 in 24h"


def test_outside_the_window_or_elsewhere_does_not_count():
    old = profile(text="a1", at=T0 - timedelta(hours=30))
    other_district = profile(text="a2", district="tiexi")
    other_category = profile(text="a3", category="water")
    assert detect(profile(text="a4"), [old, other_district, other_category], RULES) == []


def test_near_identical_text_across_categories_is_a_concentration():
    alike = [profile(category=c, district=d) for c, d in (("water", "tiexi"), ("prices", "hunnan"))]
    new = profile(text=TEXT.replace("。", "！"), category="food_medicine", district="dadong")
    findings = detect(new, alike, RULES)
    assert [f.rule for f in findings] == ["similar_text"]
    assert len(findings[0].members) == 3


def test_the_new_appeal_itself_is_never_counted_twice():
    new = profile()
    assert detect(new, [new, profile(text="别的")], RULES) == []


def test_rules_file_thresholds_are_data():
    rules = load_rules()
    assert rules.version and rules.concentration.same_category_district >= 2
    with pytest.raises(ValueError):
        ConcentrationRules(timedelta(hours=1), 1, 0.8, 3)


def test_the_text_prefilter_never_drops_an_alike_appeal():
    import random

    from services.sla.domain.concentration import text_prefilter

    rng = random.Random(7)
    for _ in range(2000):
        a = frozenset(rng.sample(range(400), rng.randint(1, 60)))
        b = frozenset(rng.sample(sorted(a), rng.randint(0, len(a))) + rng.sample(range(400, 600), rng.randint(0, 8)))
        for t in (0.5, 0.8, 0.9, 1.0):
            f = text_prefilter(a, t)
            if similarity(a, b) >= t:
                assert f.min_size <= len(b) <= f.max_size and set(f.prefix) & b, (a, b, t)
    assert text_prefilter(frozenset(), 0.8) is None
    assert len(text_prefilter(shingles(TEXT), 0.8).prefix) < len(shingles(TEXT)) // 2
