"""并单: the same petitioner's same problem while the earlier appeal is open (domain/duplicates.py)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.intake.domain.duplicates import (
    RULE,
    EarlierAppeal,
    PetitionersAppeals,
    ProblemFacts,
    SameProblemRule,
    bigrams,
    find_same_problem,
    similarity,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FIRST = "太原街超市乱收费，标价和结账价格不一致。"


def facts(description=FIRST, **changes) -> ProblemFacts:
    base = ProblemFacts("13812345678", "heping", "consumer_complaint", "prices", False, description,
                        NOW - timedelta(days=3))
    return replace(base, **changes)


def earlier(open_=True, tracking="SY20261117AAAAAAAA", **changes) -> EarlierAppeal:
    return EarlierAppeal(uuid4(), tracking, facts(**changes), open_)


def new(description: str, **changes) -> ProblemFacts:
    return facts(description, received_at=NOW, **changes)


def test_bigrams_ignore_punctuation_and_spaces():
    assert bigrams("停水，停电") == {"停水", "水停", "停电"}
    assert bigrams("水") == {"水"} and bigrams("，。") == frozenset()


@pytest.mark.parametrize("rephrased", [
    "太原街那家超市又乱收费了，标价和结账的价格不一样",
    "太原街超市乱收费的问题还没解决，标价和结账价格还是不一致",
    "我又打电话了，太原街超市乱收费",
])
def test_a_rephrasing_of_the_same_problem_is_merged(rephrased):
    assert similarity(FIRST, rephrased) >= RULE.min_similarity
    match = find_same_problem(new(rephrased), [earlier()])
    assert match is not None and match.into.tracking_number == "SY20261117AAAAAAAA"
    assert "SY20261117AAAAAAAA" in match.reason and "similarity" in match.reason


@pytest.mark.parametrize("other_problem", ["北行菜市场鸡蛋涨价太离谱", "中街一家服装店标价模糊，结账时多收钱"])
def test_another_problem_of_the_same_category_is_not_merged(other_problem):
    assert similarity(FIRST, other_problem) < RULE.min_similarity
    assert find_same_problem(new(other_problem), [earlier()]) is None


@pytest.mark.parametrize("difference", [
    {"petitioner_phone": "13900000000"},
    {"district": "shenhe"},
    {"category": "food_medicine"},
    {"appeal_type": "economic_violation_report"},
    {"private": True},
])
def test_every_key_of_the_rule_must_match(difference):
    assert find_same_problem(new(FIRST, **difference), [earlier()]) is None


def test_a_closed_or_replied_appeal_is_not_merged_into():
    assert find_same_problem(new(FIRST), [earlier(open_=False)]) is None


def test_window_in_days_is_data():
    old = earlier(received_at=NOW - timedelta(days=31))
    assert find_same_problem(new(FIRST), [old]) is None
    assert find_same_problem(new(FIRST), [old], SameProblemRule(window_days=45)) is not None
    assert find_same_problem(new(FIRST), [earlier(received_at=NOW + timedelta(minutes=1))]) is None


def test_the_most_similar_open_appeal_wins():
    loose = earlier(tracking="SY20261110LLLLLLLL", description="太原街超市乱收费")
    close = earlier(tracking="SY20261111CCCCCCCC", description="太原街超市乱收费，标价和结账价格不一致")
    match = find_same_problem(new(FIRST), [loose, close])
    assert match is not None and match.into.tracking_number == "SY20261111CCCCCCCC"
    assert match.similarity == pytest.approx(similarity(FIRST, close.facts.description), abs=1e-3)


def test_an_appeal_added_to_a_run_is_compared_first_and_only_the_most_recent_count():
    stored = [earlier(tracking=f"SY202611{day:02d}AAAAAAAA", received_at=NOW - timedelta(days=20 - day))
              for day in range(1, 5)]
    appeals = PetitionersAppeals(reversed(stored), SameProblemRule(candidates=3))
    assert [a.tracking_number for a in appeals.of("13812345678")] == [
        "SY20261104AAAAAAAA", "SY20261103AAAAAAAA", "SY20261102AAAAAAAA"], "most recent first, at most 3"
    assert appeals.of("13900000000") == []

    accepted_in_run = earlier(tracking="SY20261120RUNRUNRU", received_at=NOW)
    appeals.add(accepted_in_run)
    assert appeals.of("13812345678")[0] is accepted_in_run and len(appeals.of("13812345678")) == 3
