"""`hotline classifier train | report`: intake's model, trained offline, and its held-out figures."""

import asyncio
import time
from datetime import UTC, datetime


async def train(settings) -> str:
    """Train on the shipped corpus plus every operator review decision; store in intake's schema."""
    from services.intake import classifier
    from shared.db import create_pool

    pool = await create_pool(settings.database_url, "intake", max_size=2)
    try:
        model, reviewed = await classifier.train(pool, settings.clock().now())
    finally:
        await pool.close()
    heldout = model.figures.get("heldout", {})
    return (f"model {model.version}: {model.examples} examples ({reviewed} from operators), threshold "
            f"{model.threshold}; held-out: {heldout.get('right')}/{heldout.get('auto')} right among "
            f"auto-classified ({heldout.get('accuracy_among_auto', 0):.1%}), "
            f"{heldout.get('review_share', 0):.1%} to review. Running intake replicas load it within "
            f"HOTLINE_CLASSIFIER_POLL_SECONDS.")


async def _stored_model(settings):
    from services.intake import classifier
    from shared.db import create_pool

    pool = await create_pool(settings.database_url, "intake", max_size=1)
    try:
        async with pool.acquire() as conn:
            return await classifier.load(conn)
    finally:
        await pool.close()


def report(settings, stored: bool, cross_validate: bool) -> str:
    """The held-out figures, the confusion table, the operating curve and the time per appeal."""
    from services.intake.adapters.corpus import heldout, training_corpus
    from services.intake.domain.classification import Classifier, shipped_taxonomy
    from services.intake.domain.text_model import cross_validated, fit

    corpus = training_corpus()
    if stored:
        loaded = asyncio.run(_stored_model(settings))
        if loaded.classifier.model is None:
            return f"no usable stored model: {loaded.reason}"
        classifier = loaded.classifier
        source = f"stored model {classifier.model.version} ({classifier.model.examples} examples)"
    else:
        classifier = Classifier(shipped_taxonomy(), fit(corpus, trained_at=datetime.now(UTC)))
        source = f"a model trained now on the shipped corpus ({len(corpus)} texts)"
    model = classifier.model
    assert model is not None
    texts = heldout()
    figures = classifier.evaluate(texts)
    lines = [f"== intake classifier: {source}, threshold {model.threshold} ==",
             f"held-out texts: {figures.total} ({len({e.label for e in texts})} labels), never used in training",
             f"  auto-classified {figures.auto}, right {figures.right} ({figures.accuracy_among_auto:.1%}); "
             f"to review {figures.reviewed} ({figures.review_share:.1%})"]
    keywords = Classifier(classifier.taxonomy).evaluate(texts)
    lines.append(f"  keyword rules alone (no model): right {keywords.right}/{keywords.auto} "
                 f"({keywords.accuracy_among_auto:.1%}), to review {keywords.review_share:.1%}")
    lines.append("== confusion (held-out): label  n  right  review  wrong -> chosen ==")
    labels = sorted({e.label for e in texts})
    for label in labels:
        row = {got: n for (truth, got), n in figures.confusion.items() if truth == label}
        n = sum(row.values())
        wrong = ", ".join(f"{got} x{count}" for got, count in sorted(row.items())
                          if got not in (label, "review"))
        lines.append(f"  {label:<58} {n:>2} {row.get(label, 0):>5} {row.get('review', 0):>6}  {wrong}")
    lines.append("== operating curve (held-out): threshold  auto  right among auto ==")
    from dataclasses import replace
    for threshold in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        f = Classifier(classifier.taxonomy, replace(model, threshold=threshold)).evaluate(texts)
        lines.append(f"  {threshold:.1f}  {f.auto / f.total:6.1%}  {f.accuracy_among_auto:6.1%}")
    if cross_validate:
        scored = cross_validated(corpus)
        auto = [right for confidence, right in scored if confidence >= model.threshold]
        lines.append(f"5-fold cross-validation on the corpus at {model.threshold}: auto {len(auto) / len(scored):.1%}, "
                     f"right {sum(auto) / max(1, len(auto)):.1%}")
    for kind, clock in (("wall", time.perf_counter), ("CPU", time.thread_time)):
        timings = sorted(classifier.timings([e.text for e in texts], rounds=5, clock=clock))
        median, p99 = timings[len(timings) // 2], timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        lines.append(f"classification time per appeal ({kind}): median {median * 1e6:.0f} us, "
                     f"p99 {p99 * 1e6:.0f} us ({len(timings)} classifications)")
    return "\n".join(lines)
