"""Which catalogue rule fits an appeal, and why: what a dispatcher reads before re-dispatching.

A returned letter says "not ours". The dispatcher then needs the catalogue's view of the appeal:
every rule that matches it, best first (most conditions, then the catalogue's order, as
`dispatch.decide` picks), each with the conditions that made it match (type, category, district,
and the keywords actually found in the text), and which of their units already returned this
appeal. The advice is the best fitting rule whose lead has not returned it; when every fitting
rule's lead has, the district's government (the catalogue's own fallback), unless it returned it
too. Nothing is dispatched: the dispatcher decides.
"""

from dataclasses import dataclass

from services.routing.domain.dispatch import FALLBACK_RULE, Directory, Rule, Unit


@dataclass(frozen=True)
class Fit:
    rule_id: str
    lead: Unit
    co: tuple[Unit, ...]
    # The conditions the rule states and this appeal meets; None: the rule does not ask about it.
    appeal_type: str | None
    category: str | None
    district: str | None
    keywords: tuple[str, ...]  # the rule's keywords found in the text
    returned: bool  # its lead unit already returned this appeal

    @property
    def fallback(self) -> bool:
        return self.rule_id == FALLBACK_RULE


@dataclass(frozen=True)
class Advice:
    fits: tuple[Fit, ...]  # every rule that matches, best first; the district fallback last
    advised: Fit | None  # the best one whose lead has not returned the appeal; None: a person must decide


def _fit(rule: Rule, directory: Directory, appeal_type: str, category: str, district: str, text: str,
         returned_by: frozenset[str]) -> Fit:
    return Fit(rule.id, directory.units[rule.lead], tuple(directory.units[c] for c in rule.co),
               appeal_type if rule.appeal_type is not None else None,
               category if rule.categories else None,
               district if rule.district is not None else None,
               tuple(word for word in rule.keywords if word in text),
               rule.lead in returned_by)


def explain(directory: Directory, appeal_type: str, category: str, district: str, text: str = "",
            returned_by: tuple[str, ...] = ()) -> Advice:
    gone = frozenset(returned_by)
    matching = [(i, r) for i, r in enumerate(directory.rules) if r.matches(appeal_type, category, district, text)]
    matching.sort(key=lambda pair: (-pair[1].specificity, pair[0]))  # decide()'s choice comes first
    fits = [_fit(r, directory, appeal_type, category, district, text, gone) for _, r in matching]
    government = directory.district_governments.get(district)
    if government is not None:
        fits.append(Fit(FALLBACK_RULE, government, (), None, None, district, (), government.code in gone))
    return Advice(tuple(fits), next((f for f in fits if not f.returned), None))
