"""Form checks before anything is sent: each wrong field gets its reason in both languages.

The services check again (their 422s are shown beside the field too); these checks exist so a
person gets a reason in their language, at the field, without a round trip.
"""

from collections.abc import Container, Mapping

Errors = dict[str, tuple[str, str]]
MAX_TEXT = 4000


def text(form: Mapping[str, str], field: str, errors: Errors, *, label: tuple[str, str], min_length: int = 1,
         max_length: int = MAX_TEXT) -> str:
    value = form.get(field, "").strip()
    if "\x00" in value:
        errors[field] = ("含有不允许的字符", "contains a character that is not allowed")
    elif len(value) < min_length:
        errors[field] = (f"请填写{label[0]}" if min_length == 1 else f"{label[0]}至少{min_length}个字",
                         f"{label[1]} is required" if min_length == 1 else
                         f"{label[1]} needs at least {min_length} characters")
    elif len(value) > max_length:
        errors[field] = (f"{label[0]}最多{max_length}个字", f"{label[1]} takes at most {max_length} characters")
    return value


def choice(form: Mapping[str, str], field: str, allowed: Container[str], errors: Errors, *, label: tuple[str, str],
           required: bool = True) -> str | None:
    value = form.get(field, "").strip()
    if not value and not required:
        return None
    if value not in allowed:
        errors[field] = (f"请选择{label[0]}", f"Choose {label[1].lower()}")
        return None
    return value


def whole_number(form: Mapping[str, str], field: str, errors: Errors, *, label: tuple[str, str], low: int,
                 high: int) -> int | None:
    raw = form.get(field, "").strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[field] = (f"{label[0]}应为{low}到{high}之间的整数", f"{label[1]}: a whole number from {low} to {high}")
        return None
    return int(raw)


def phone(form: Mapping[str, str], field: str, errors: Errors) -> str:
    value = "".join(ch for ch in form.get(field, "") if ch.isdigit())
    if not 7 <= len(value) <= 12:
        errors[field] = ("请填写来电号码（7至12位数字）", "Enter the caller's phone number (7 to 12 digits)")
    return value


def from_service(reasons: Mapping[str, str], fields: tuple[str, ...]) -> Errors:
    """A service's 422 reasons at the form's fields (services answer in English; the Chinese
    side says the service refused it and keeps the reason as given)."""
    errors: Errors = {}
    for field, reason in reasons.items():
        target = field if field in fields else "_form"
        errors[target] = (f"服务拒绝：{reason}", reason)
    return errors


def unit_codes(form: Mapping[str, str], field: str, errors: Errors) -> tuple[str, ...]:
    """Comma-joined unit codes (a checkbox carrying the catalogue's co-handling units); routing
    checks that each exists and that none is the lead."""
    raw = form.get(field, "").strip()
    codes = tuple(code.strip() for code in raw.split(",") if code.strip()) if raw else ()
    if any(not (2 <= len(code) <= 32 and code.replace("-", "").replace("_", "").isalnum() and code.upper() == code)
           for code in codes) or len(codes) > 10:
        errors[field] = ("协办单位代码有误", "Co-handling unit codes are not valid")
        return ()
    return codes
