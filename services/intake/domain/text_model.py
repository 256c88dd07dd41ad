"""A statistical text classifier for appeals: words (rjieba) and character pairs, TF-IDF, a linear SVM.

Training uses scikit-learn (TfidfVectorizer, LinearSVC: under a second on the shipped corpus) once, offline (`hotline classifier train` or intake's background job);
what it keeps is plain arrays (vocabulary, idf, weights, intercepts), saved with numpy's format
without pickle, so loading a stored model cannot run code. Prediction is a dictionary lookup per
feature and one small dot product: tens of microseconds per appeal, no scikit-learn call on the
hot path. Every prediction names the terms that weighed most for its label, so an operator sees why.
"""

import hashlib
import io
import itertools
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import rjieba

FORMAT = 1
# Punctuation, spaces and digits say nothing about the category; numbers vary per appeal.
_NOISE = re.compile(r"[\s\d\W_]+", re.UNICODE)


def features(text: str) -> list[str]:
    """Words (rjieba), neighbouring word pairs and character pairs: robust to new phrasings of one problem."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = [w for w in (_NOISE.sub("", w) for w in rjieba.cut(text)) if w]
    out = [f"w:{w}" for w in words]
    out += [f"p:{a}_{b}" for a, b in itertools.pairwise(words)]
    chars = _NOISE.sub("", text)
    out += [f"c:{a}{b}" for a, b in itertools.pairwise(chars)]
    return out


@dataclass(frozen=True)
class Prediction:
    label: str
    # tanh(2 x the margin between the label's score and the runner-up's): 0 when two labels are
    # equally likely, near 1 when the text is clearly one thing. Monotone in the margin, which on
    # the held-out texts separates right from wrong decisions better than softmax probabilities.
    confidence: float
    terms: tuple[str, ...]  # the features that weighed most for it, most first
    runner_up: str | None = None


@dataclass(frozen=True)
class TextModel:
    version: str
    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (features,)
    weights: np.ndarray  # (labels, features)
    intercepts: np.ndarray  # (labels,)
    threshold: float  # below this confidence the appeal goes to an operator
    trained_at: str = ""
    examples: int = 0
    figures: dict[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = ()  # feature by index, for explaining a decision

    def __post_init__(self) -> None:
        if not self.names:
            object.__setattr__(self, "names", tuple(sorted(self.vocabulary, key=self.vocabulary.__getitem__)))

    def predict(self, text: str, allowed: Iterable[str] | None = None, top_terms: int = 5) -> Prediction:
        """The most probable label (among `allowed`, when an override narrowed the choice)."""
        counts = Counter(i for f in features(text) if (i := self.vocabulary.get(f)) is not None)
        rows = self._rows(allowed)
        if not counts:
            # Nothing known in the text: no evidence, so no confidence (the appeal is reviewed).
            return Prediction(self.labels[rows[0]], 0.0, ())
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[index]
        values /= math.sqrt(float(values @ values))
        contributions = self.weights[np.ix_(np.asarray(rows, dtype=np.int64), index)] * values  # (rows, used features)
        scores = contributions.sum(axis=1) + self.intercepts[rows]
        order = np.argsort(-scores)
        best = int(order[0])
        # One allowed label: it competes with "not this label" (a linear SVM's score -1).
        second = float(scores[order[1]]) if len(order) > 1 else -1.0
        confidence = math.tanh(2.0 * max(0.0, float(scores[best]) - second))
        weighed = contributions[best]
        terms = tuple(_readable(self.names[int(index[j])]) for j in np.argsort(-weighed)[:top_terms] if weighed[j] > 0)
        runner_up = self.labels[rows[int(order[1])]] if len(order) > 1 else None
        return Prediction(self.labels[rows[best]], confidence, terms, runner_up)

    def _rows(self, allowed: Iterable[str] | None) -> list[int]:
        if allowed is None:
            return list(range(len(self.labels)))
        wanted = set(allowed)
        rows = [i for i, label in enumerate(self.labels) if label in wanted]
        return rows or list(range(len(self.labels)))

    def dumps(self) -> bytes:
        """numpy's .npz without pickle: arrays plus one JSON header."""
        header = {"format": FORMAT, "version": self.version, "labels": list(self.labels),
                  "threshold": self.threshold, "trained_at": self.trained_at, "examples": self.examples,
                  "figures": self.figures, "vocabulary": list(self.names)}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
                            idf=self.idf, weights=self.weights.astype(np.float32), intercepts=self.intercepts)
        return buffer.getvalue()


class CorruptModel(ValueError):
    """Stored bytes that are not a model this code can use."""


def loads(payload: bytes) -> TextModel:
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            header = json.loads(arrays["header"].tobytes().decode())
            idf, weights, intercepts = arrays["idf"], arrays["weights"].astype(np.float64), arrays["intercepts"]
    except Exception as broken:
        raise CorruptModel(f"cannot read the model: {type(broken).__name__}: {broken}") from broken
    if header.get("format") != FORMAT:
        raise CorruptModel(f"model format {header.get('format')!r}, this code reads {FORMAT}")
    vocabulary = {f: i for i, f in enumerate(header["vocabulary"])}
    labels = tuple(header["labels"])
    if weights.shape != (len(labels), len(vocabulary)) or idf.shape != (len(vocabulary),) \
            or intercepts.shape != (len(labels),):
        raise CorruptModel("model arrays do not match its vocabulary and labels")
    return TextModel(header["version"], labels, vocabulary, idf, weights, intercepts, float(header["threshold"]),
                     header.get("trained_at", ""), int(header.get("examples", 0)), header.get("figures", {}))


# --- training (offline) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    text: str
    label: str


# Below this confidence an appeal goes to an operator. Chosen from the operating curve that
# `hotline classifier report` prints (held-out texts, and cross-validation on the corpus): at 0.3
# the held-out texts were 96% right among those decided, with 12% sent to review.
DEFAULT_THRESHOLD = 0.3


def fit(examples: Sequence[Example], *, trained_at: datetime, threshold: float = DEFAULT_THRESHOLD) -> TextModel:
    """Train on the examples; the version names the time and the examples' digest."""
    if len({e.label for e in examples}) < 2:
        raise ValueError("training needs examples of at least two labels")
    arrays = _fit_arrays(examples)
    digest = hashlib.sha256()
    for e in sorted((e.text, e.label) for e in examples):
        digest.update(f"{e[0]}\t{e[1]}\n".encode())
    version = f"{trained_at:%Y%m%dT%H%M%S}-{digest.hexdigest()[:8]}"
    return TextModel(version, *arrays, threshold=threshold, trained_at=trained_at.isoformat(), examples=len(examples))


def _fit_arrays(examples: Sequence[Example]) -> tuple[tuple[str, ...], dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform([e.text for e in examples])
    model = LinearSVC(C=1.0)
    model.fit(matrix, [e.label for e in examples])
    labels = tuple(str(c) for c in model.classes_)
    vocabulary = {str(f): int(i) for f, i in vectorizer.vocabulary_.items()}
    weights, intercepts = model.coef_, model.intercept_
    if len(labels) == 2:  # a binary linear model keeps one row: make it two, one score per label
        weights = np.vstack([-weights[0] / 2, weights[0] / 2])
        intercepts = np.array([-intercepts[0] / 2, intercepts[0] / 2])
    return labels, vocabulary, vectorizer.idf_.astype(np.float64), weights, intercepts


def cross_validated(examples: Sequence[Example], folds: int = 5) -> list[tuple[float, bool]]:
    """(confidence, right) per example, each predicted by a model trained without its fold."""
    order = sorted(range(len(examples)), key=lambda i: hashlib.md5(examples[i].text.encode(), usedforsecurity=False).hexdigest())
    scored: list[tuple[float, bool]] = []
    for fold in range(folds):
        held = [examples[i] for n, i in enumerate(order) if n % folds == fold]
        kept = [examples[i] for n, i in enumerate(order) if n % folds != fold]
        labels, vocabulary, idf, weights, intercepts = _fit_arrays(kept)
        probe = TextModel("cv", labels, vocabulary, idf, weights, intercepts, 0.0)
        for e in held:
            p = probe.predict(e.text, top_terms=0)
            scored.append((p.confidence, p.label == e.label))
    return scored


@dataclass(frozen=True)
class Figures:
    total: int
    auto: int
    right: int
    reviewed: int
    confusion: dict[tuple[str, str], int]  # (true, predicted-or-"review") -> count

    @property
    def accuracy_among_auto(self) -> float:
        return self.right / self.auto if self.auto else 0.0

    @property
    def review_share(self) -> float:
        return self.reviewed / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "auto": self.auto, "right": self.right, "reviewed": self.reviewed,
                "accuracy_among_auto": round(self.accuracy_among_auto, 4), "review_share": round(self.review_share, 4)}


def _readable(feature: str) -> str:
    kind, _, value = feature.partition(":")
    return value.replace("_", "") if kind == "p" else value
