"""An operator's correction of type, subtype, category or district: what a valid result is."""

from dataclasses import dataclass, replace

from services.intake.domain.scope import resolve_district
from services.intake.domain.validators import InvalidField
from shared.contracts.vocabulary import CATEGORIES, AppealType, RequestSubtype


@dataclass(frozen=True)
class Classified:
    appeal_type: AppealType | None
    subtype: RequestSubtype | None
    category: str | None
    district: str | None  # a District code


def apply_correction(current: Classified, *, appeal_type: AppealType | None = None,
                     subtype: RequestSubtype | None = None, category: str | None = None,
                     district: str | None = None) -> Classified:
    """The classification after an operator's change; raises InvalidField when it does not fit."""
    result = current
    if district is not None:
        resolved = resolve_district(district)
        if resolved is None:
            raise InvalidField("district", "not one of Shenyang's 13 county-level divisions")
        result = replace(result, district=resolved.value)
    if appeal_type is not None:
        result = replace(result, appeal_type=appeal_type)
        if appeal_type is not AppealType.PUBLIC_SERVICE_REQUEST and subtype is None:
            result = replace(result, subtype=None)  # a subtype only exists for requests
    if subtype is not None:
        result = replace(result, subtype=subtype)
    if category is not None:
        result = replace(result, category=category)
    if result == current:
        raise InvalidField("body", "nothing to change: give appeal_type, subtype, category or district")
    _require_consistent(result, partial=True)
    return result


def require_complete(classified: Classified) -> None:
    """An appeal can only be accepted with a type, a category of that type and a district."""
    for field in ("appeal_type", "category", "district"):
        if getattr(classified, field) is None:
            raise InvalidField(field, "required before the appeal can be accepted")
    _require_consistent(classified, partial=False)


def _require_consistent(c: Classified, *, partial: bool) -> None:
    if c.appeal_type is None:
        return
    if c.category is not None and c.category not in CATEGORIES[c.appeal_type]:
        raise InvalidField("category", f"{c.category!r} is not a category of {c.appeal_type.value}")
    is_request = c.appeal_type is AppealType.PUBLIC_SERVICE_REQUEST
    if c.subtype is not None and not is_request:
        raise InvalidField("subtype", "only public-service requests have a subtype")
    if is_request and c.subtype is None and not partial:
        raise InvalidField("subtype", "a public-service request needs consultation, help or suggestion")
