"""受理: the decision on one submission - reject, hold for review, merge, offer an answer, or accept.

Two pure steps. `examine` applies the rules that need no other appeal: the petitioner's data,
the scope (emergencies, other cities) and the classification. `decide` then looks at the
petitioner's earlier open appeals and the knowledge base, in this order:

1. out of scope                          -> Reject (the reason and the number to call instead)
2. the classifier cannot decide          -> Hold, for an operator's review
3. the same problem as an open appeal    -> Merge into it (并单, domain/duplicates.py)
4. a consultation the knowledge base answers closely, when the entrance can show the answer
                                          -> OfferAnswer (直接办结; the petitioner's word follows)
5. otherwise                             -> Accept

Neither step reads the database, the clock or a random source: the handler
(handlers/submission.py) fetches the candidates, draws the identities and stores the result.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from services.intake.domain.classification import Classifier, Decision, NeedsReview
from services.intake.domain.duplicates import RULE, EarlierAppeal, ProblemFacts, SameProblemRule, find_same_problem
from services.intake.domain.knowledge import KnowledgeBase, Match
from services.intake.domain.scope import Refusal, check_scope, normalise, resolve_district
from services.intake.domain.validators import CheckedPetitioner, check_petitioner
from shared.contracts.events import SubmitAppeal
from shared.contracts.local_time import SHANGHAI
from shared.contracts.vocabulary import RequestSubtype
from shared.refusals import Invalid


class InvalidSubmission(Invalid):
    """A field that can never be right as sent: 422 over HTTP, a dead letter over Kafka."""


@dataclass(frozen=True)
class Examined:
    """What the rules say about a submission on its own, before other appeals are looked at.

    Exactly one of `refusal`, `held` and `classified` is set; `district` with the last two."""

    petitioner: CheckedPetitioner
    description: str  # normalised (NFKC): what is stored and compared
    private: bool
    refusal: Refusal | None = None
    district: str | None = None
    classified: Decision | None = None
    held: str | None = None  # why the rules cannot classify it


def examine(submission: SubmitAppeal, classifier: Classifier) -> Examined:
    """Petitioner data, scope and classification; InvalidSubmission (or the petitioner check's
    InvalidField) names a field that can never be right."""
    p = submission.petitioner
    petitioner = check_petitioner(p.name, p.phone, p.id_number, p.enterprise_name, p.credit_code)
    description = normalise(submission.description)
    refusal = check_scope(description, submission.district)
    if refusal is not None:
        return Examined(petitioner, description, submission.private, refusal=refusal)
    district = resolve_district(submission.district)
    assert district is not None  # check_scope refused unknown districts
    try:
        decision = classifier.classify(description, submission.channel, submission.appeal_type,
                                       submission.subtype, submission.category)
    except NeedsReview as held:
        return Examined(petitioner, description, submission.private, district=district.value, held=str(held))
    except ValueError as wrong:  # a stated classification that does not fit the vocabulary
        raise InvalidSubmission("subtype" if "subtype" in str(wrong) else "category", str(wrong)) from wrong
    return Examined(petitioner, description, submission.private, district=district.value, classified=decision)


@dataclass(frozen=True)
class Reject:
    """Not for the hotline: an emergency, or outside Shenyang."""

    refusal: Refusal


@dataclass(frozen=True)
class Hold:
    """Waits for an operator to classify it (nothing is guessed)."""

    reason: str
    district: str


@dataclass(frozen=True)
class Classified:
    """A classified appeal's routing facts."""

    decision: Decision
    district: str

    @property
    def business_line(self) -> bool:
        return self.decision.method == "business_line"


@dataclass(frozen=True)
class OfClassified:
    """A decision that goes on with the classified appeal (merged, answered or accepted): what
    the stored row and the receipt take their classification from."""

    appeal: Classified


@dataclass(frozen=True)
class Merge(OfClassified):
    """并单: the same problem as an earlier open appeal of the same petitioner, handled there."""

    into: EarlierAppeal
    similarity: float
    reason: str


@dataclass(frozen=True)
class OfferAnswer(OfClassified):
    """直接办结: a consultation the knowledge base answers; the petitioner's word decides."""

    match: Match


@dataclass(frozen=True)
class Accept(OfClassified):
    facts: ProblemFacts  # what a later repeat is compared with

    def as_earlier(self, appeal_id: UUID, tracking_number: str) -> EarlierAppeal:
        """The appeal as a repeat later in the same run sees it: open until routing says otherwise."""
        return EarlierAppeal(appeal_id, tracking_number, self.facts, open=True)


Acceptance = Reject | Hold | Merge | OfferAnswer | Accept


def decide(examined: Examined, received_at: datetime, earlier: Sequence[EarlierAppeal],
           knowledge: KnowledgeBase | None = None, rule: SameProblemRule = RULE) -> Acceptance:
    """The decision on one examined submission.

    `earlier`: the petitioner's accepted appeals a repeat may fold into (most recent first, at
    most `rule.candidates`); `knowledge`: the knowledge base, or None when the entrance cannot
    show an answer (a Kafka record has no reply path)."""
    if examined.refusal is not None:
        return Reject(examined.refusal)
    assert examined.district is not None  # examine sets it with `held` and `classified`
    if examined.held is not None:
        return Hold(examined.held, examined.district)
    assert examined.classified is not None
    appeal = Classified(examined.classified, examined.district)
    decision = examined.classified
    facts = ProblemFacts(examined.petitioner.phone, examined.district, decision.appeal_type.value,
                         decision.category, examined.private, examined.description, received_at)
    same = find_same_problem(facts, list(earlier), rule)
    if same is not None:
        return Merge(appeal, same.into, same.similarity, same.reason)
    match = answer_for(knowledge, decision, examined.description, received_at.astimezone(SHANGHAI).date())
    if match is not None:
        return OfferAnswer(appeal, match)
    return Accept(appeal, facts)


def answer_for(knowledge: KnowledgeBase | None, decision: Decision, description: str, day: date) -> Match | None:
    """A knowledge-base answer for a consultation, when one of its label matches closely on the day."""
    if knowledge is None or decision.subtype is not RequestSubtype.CONSULTATION:
        return None
    label = f"{decision.appeal_type.value}/{decision.subtype.value}/{decision.category}"
    return knowledge.match(description, label, day)
