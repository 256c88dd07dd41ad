"""The simulation's appeal texts cover the extended taxonomy in phrasing the classifier never saw."""

import random
from datetime import UTC, datetime

from hotline.simulation import texts
from hotline.simulation.generator import _fill
from services.intake.adapters.corpus import training_corpus
from services.intake.domain.classification import Classifier, NeedsReview, shipped_taxonomy
from services.intake.domain.taxonomy import Label
from services.intake.domain.text_model import fit
from shared.contracts.vocabulary import AppealType, Channel


def test_every_template_is_a_label_of_the_taxonomy_and_the_business_line_comes_first():
    labels = shipped_taxonomy().labels
    for appeal_type, subtype, category, templates in texts.TEMPLATES:
        assert Label(appeal_type, subtype, category).key in labels
        assert templates
    assert {t[0] for t in texts.TEMPLATES[:2]} == {AppealType.BUSINESS_ENVIRONMENT_COMPLAINT}
    covered = {t[2] for t in texts.TEMPLATES}
    for city in ("heating", "gas", "property_management", "transport", "education_training", "housing", "noise",
                 "city_facilities", "illegal_construction", "environment", "wage_arrears", "social_insurance",
                 "medical_insurance", "housing_fund", "school_enrolment"):
        assert city in covered


def test_no_simulated_text_is_a_training_text():
    trained = {e.text for e in training_corpus()}
    rng = random.Random(7)
    for *_, templates in texts.TEMPLATES:
        for template in templates:
            assert _fill(rng, template) not in trained


def test_the_review_rate_on_new_phrasing_is_what_the_demo_shows():
    # Measured 2026-12-07: about 90% right among auto-classified, about 27% to review - worse than
    # the held-out texts (written in the corpus' style), which is the point of this phrasing.
    classifier = Classifier(shipped_taxonomy(), fit(training_corpus(), trained_at=datetime.now(UTC)))
    rng = random.Random(1)
    auto = right = reviewed = 0
    for appeal_type, subtype, category, templates in texts.TEMPLATES:
        for template in templates:
            for _ in range(3):
                try:
                    d = classifier.classify(_fill(rng, template), Channel.WEB)
                except NeedsReview:
                    reviewed += 1
                    continue
                auto += 1
                right += (d.appeal_type, d.subtype, d.category) == (appeal_type, subtype, category)
    assert right / auto >= 0.88 and reviewed / (auto + reviewed) <= 0.35, (auto, right, reviewed)
