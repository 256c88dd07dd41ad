"""The simulated city's submissions: repeatable, varied, and valid where they should be."""

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from hotline.simulation.generator import Mix, submissions
from shared.contracts.events import SubmitAppeal
from shared.contracts.vocabulary import DISTRICT_NAMES_ZH

START = datetime(2026, 11, 2, tzinfo=UTC)


def day(seed=7, count=3000, mix=Mix()):
    return list(submissions(seed, count, START, timedelta(days=1), mix))


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    assert [s.body for s in day(7, 200)] == [s.body for s in day(7, 200)]
    assert [s.body for s in day(7, 200)] != [s.body for s in day(8, 200)]


def test_every_channel_district_and_case_appears():
    subs = day()
    assert {s.channel for s in subs} == {"phone", "phone_business_line", "web", "app"}
    assert {s.body["district"] for s in subs if s.expect == "accepted"} == set(DISTRICT_NAMES_ZH.values())
    counts = Counter(s.expect for s in subs)
    assert set(counts) == {"accepted", "rejected", "merged", "dead_letter"}
    assert 0.85 < counts["accepted"] / len(subs) < 0.95
    assert sum(1 for s in subs if s.body and s.body["private"]) > 0.05 * len(subs)


def test_submissions_are_spread_over_the_span_in_order():
    subs = day(count=500)
    assert subs[0].at >= START and subs[-1].at < START + timedelta(days=1, seconds=1)
    assert all(a.at <= b.at for a, b in itertools.pairwise(subs))


def test_valid_ones_fit_the_contract_and_malformed_ones_do_not():
    for s in day(count=1000):
        if s.expect == "dead_letter":
            with pytest.raises((ValidationError, ValueError)):
                SubmitAppeal.model_validate_json(s.raw)
        else:
            SubmitAppeal.model_validate(s.body)


def test_duplicates_repeat_an_earlier_petitioner_and_problem():
    subs = day()
    seen = {(s.body["petitioner"]["phone"], s.body["description"]) for s in subs if s.expect == "accepted"}
    merged = [s for s in subs if s.expect == "merged"]
    assert merged and all((s.body["petitioner"]["phone"], s.body["description"]) in seen for s in merged)
