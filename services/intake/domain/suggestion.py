"""What the classifier would decide about a text, before anything is filed: the call-taker's hint.

While the caller is still speaking, the console shows the label the classifier would give, how
sure it is, the terms that weighed most and, for a consultation, the knowledge base's answer to
read out. Nothing is stored or emitted: this is the same decision `accept_submission` takes
(classification.py, knowledge.py, the emergency words of scope.py), asked early. When the model
is unsure, its best guess is still shown, marked as a guess: the appeal would be held for a
dispatcher, and the call-taker may state the type instead.
"""

from dataclasses import dataclass
from datetime import date

from services.intake.domain.classification import Classifier, NeedsReview
from services.intake.domain.knowledge import KnowledgeBase
from services.intake.domain.scope import emergency_refusal, normalise
from services.intake.domain.taxonomy import Label
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype


@dataclass(frozen=True)
class Answer:
    """A knowledge-base entry close enough to a consultation to be read out."""

    answer: str
    question: str  # the variant it matched
    score: float
    unit_code: str  # the unit that owns the answer


@dataclass(frozen=True)
class Suggestion:
    outcome: str  # "classified" (would be accepted), "review" (would be held), "emergency" (refused)
    label: str | None = None  # type/subtype/category: the decision, or the model's unsure guess
    name_zh: str | None = None
    name_en: str | None = None
    method: str | None = None  # model, keywords, business_line, stated; "model_guess" when unsure
    confidence: float | None = None
    model_version: str | None = None
    terms: tuple[str, ...] = ()  # the terms that weighed most (model) or the keywords found
    reason: str | None = None  # why it would be held, or refused
    refer_to: str | None = None  # emergency: the number to call
    knowledge_answer: Answer | None = None


def suggest(classifier: Classifier, knowledge: KnowledgeBase | None, text: str, channel: Channel, day: date,
            stated_type: AppealType | None = None, stated_subtype: RequestSubtype | None = None,
            stated_category: str | None = None) -> Suggestion:
    """The decision intake would take on this text now (ValueError: a stated label that cannot be)."""
    description = normalise(text)
    if (refusal := emergency_refusal(description)) is not None:
        return Suggestion("emergency", reason=refusal.reason, refer_to=refusal.refer_to)
    try:
        decision = classifier.classify(description, channel, stated_type, stated_subtype, stated_category)
    except NeedsReview as held:
        return _unsure(classifier, description, str(held))
    label = Label(decision.appeal_type, decision.subtype, decision.category)
    answer = None
    if knowledge is not None and decision.subtype is RequestSubtype.CONSULTATION:
        match = knowledge.match(description, label.key, day)
        if match is not None:
            answer = Answer(match.entry.answer, match.question, match.score, match.entry.unit_code)
    zh, en = _names(classifier, label.key)
    return Suggestion("classified", label.key, zh, en, decision.method, decision.confidence, decision.model_version,
                      _once(decision.matched), knowledge_answer=answer)


def _unsure(classifier: Classifier, description: str, reason: str) -> Suggestion:
    """Held for review: the model's best guess among the taxonomy's labels, when there is a model."""
    model = classifier.model
    if model is None:
        return Suggestion("review", reason=reason)
    guess = model.predict(description, allowed=classifier.taxonomy.labels)
    if guess.label not in classifier.taxonomy.labels or not guess.terms:
        return Suggestion("review", reason=reason, model_version=model.version)
    zh, en = _names(classifier, guess.label)
    return Suggestion("review", guess.label, zh, en, "model_guess", round(guess.confidence, 4), model.version,
                      _once(guess.terms), reason=reason)


def _once(terms: tuple[str, ...]) -> tuple[str, ...]:
    """A word and the same two characters as a character pair read alike: show each term once."""
    return tuple(dict.fromkeys(terms))


def _names(classifier: Classifier, key: str) -> tuple[str | None, str | None]:
    entry = next((e for e in classifier.taxonomy.entries if e.label.key == key), None)
    return (entry.name_zh, entry.name_en) if entry else (None, None)
