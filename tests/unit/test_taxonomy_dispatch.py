"""Across intake and routing (which never import each other): every label intake can classify
into is dispatched by routing's shipped catalogue to a unit of its directory."""

from services.intake.domain.classification import shipped_taxonomy
from services.routing.adapters.directory_file import load_directory
from services.routing.domain.dispatch import DISTRICT_OWNED, FALLBACK_RULE, decide


def test_every_taxonomy_label_reaches_a_unit_of_the_directory():
    directory = load_directory()
    for entry in shipped_taxonomy().entries:
        label = entry.label
        decision = decide(directory, label.appeal_type.value, label.category, "heping", "")
        assert decision.lead.code in directory.units, label.key
        if (label.appeal_type.value, label.category) not in DISTRICT_OWNED:
            assert decision.rule_id != FALLBACK_RULE, f"{label.key} has no catalogue rule"
