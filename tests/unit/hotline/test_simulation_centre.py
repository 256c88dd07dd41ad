"""The simulated centre's review queue and return calls: the labels it classifies held appeals
with, the model's guess it compares them to, and its seeded return-call decisions."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.simulation.behaviour import Temperament, intake_review_after, return_call_for, rng_for
from hotline.simulation.driver import model_guess
from hotline.simulation.generator import submissions

TAXONOMY = Path(__file__).parents[3] / "services" / "intake" / "data" / "taxonomy.json"

START = datetime(2026, 3, 16, 1, tzinfo=UTC)


def test_every_appeal_the_classifier_may_hold_has_a_true_label_of_the_taxonomy():
    labels = {entry["label"] for entry in json.loads(TAXONOMY.read_text(encoding="utf-8"))["labels"]}
    items = list(submissions(11, 2000, START, timedelta(days=1)))
    classifiable = [i for i in items if i.expect in ("accepted", "merged")]
    assert classifiable and all(i.label for i in classifiable)
    for item in classifiable:
        appeal_type, subtype, category = item.label
        assert f"{appeal_type}/{subtype or '-'}/{category}" in labels, item.label
    stated = [i for i in classifiable if i.body.get("category")]
    assert stated and all(i.label == (i.body["appeal_type"], i.body.get("subtype"), i.body["category"])
                          for i in stated), "an operator's label on the phone is the truth"
    assert not [i for i in items if i.expect in ("rejected", "dead_letter") and i.label]


def test_a_duplicate_carries_its_originals_label():
    items = list(submissions(11, 2000, START, timedelta(days=1)))
    by_text = {}
    for item in items:
        if item.expect == "accepted":
            by_text.setdefault((item.body["description"], item.body["district"]), item.label)
    merged = [i for i in items if i.expect == "merged"]
    assert merged and all(i.label == by_text[(i.body["description"], i.body["district"])] for i in merged)


def test_the_models_guess_is_read_from_the_hold_reason():
    assert model_guess("model 20261207T120000-1a2b3c4d unsure: consumer_complaint/-/heating at 0.21 < 0.30") \
        == ("consumer_complaint", None, "heating")
    assert model_guess("model v1 unsure: public_service_request/help/noise at 0.05 < 0.30") \
        == ("public_service_request", "help", "noise")
    assert model_guess("no keyword rule matched") is None
    assert model_guess(None) is None


def test_return_calls_reopen_about_the_tempered_share_and_are_the_same_for_the_same_appeal():
    decisions = [return_call_for(rng_for(7, f"sim-7-{i}", "return-call", 2)) for i in range(2000)]
    reopened = sum(reopen for _, reopen in decisions) / len(decisions)
    assert 0.36 < reopened < 0.44
    assert all(timedelta(hours=2) <= after <= timedelta(hours=20) for after, _ in decisions)
    assert decisions[5] == return_call_for(rng_for(7, "sim-7-5", "return-call", 2))
    assert not any(r for _, r in (return_call_for(rng_for(7, f"k{i}", "rc", 2), Temperament(reopen_rate=0))
                                  for i in range(100)))
    assert timedelta(hours=0.2) <= intake_review_after(rng_for(7, "sim-7-1", "intake-review")) <= timedelta(hours=4)
