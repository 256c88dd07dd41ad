"""Petitioner data checks with check characters (services/intake/domain/validators.py)."""

import pytest

from services.intake.domain.validators import (
    InvalidField,
    canonical_credit_code,
    canonical_phone,
    canonical_resident_id,
    check_petitioner,
    credit_code_check_char,
    resident_id_check_char,
)


@pytest.mark.parametrize(("raw", "canonical"), [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+86-199-0000-1111", "19900001111"),
    ("0086 15012345678", "15012345678"),
    ("１３８１２３４５６７８", "13812345678"),          # full-width digits: NFKC first
    ("024-23456789", "02423456789"),                  # Shenyang landline
    ("(024) 2345 6789", "02423456789"),
    ("010-65123456", "01065123456"),                  # Beijing, 2-digit area code
    ("0411-8765432", "04118765432"),                  # 7-digit local number
])
def test_phone_numbers_are_accepted_in_canonical_form(raw, canonical):
    assert canonical_phone(raw) == canonical


@pytest.mark.parametrize("raw", [
    "12812345678",      # 12x is not a mobile prefix
    "1381234567",       # 10 digits
    "138123456789",     # 12 digits
    "+86 02423456789",  # +86 only before a mobile here
    "23456789",         # local number without area code
    "024-0345678",      # local numbers do not start with 0
    "12345",            # the hotline itself
    "一三八一二三四五六七八",
])
def test_bad_phone_numbers_name_the_field_without_echoing_the_value(raw):
    with pytest.raises(InvalidField) as bad:
        canonical_phone(raw)
    assert bad.value.field == "petitioner.phone"
    assert raw not in str(bad.value)


def test_resident_id_check_character_iso_7064():
    # The example number of GB 11643-1999 and one whose check character is a digit.
    assert resident_id_check_char("11010519491231002") == "X"
    assert canonical_resident_id("11010519491231002x") == "11010519491231002X"
    assert canonical_resident_id("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    body = "21010219900307123"
    number = body + resident_id_check_char(body)
    assert canonical_resident_id(number) == number


@pytest.mark.parametrize(("raw", "why"), [
    ("110105194912310021", "check character"),        # wrong check character
    ("11010519491331002X", "birth date"),             # month 13
    ("11010518000230002X", "birth date"),             # 30 February
    ("1101051949123100", "18 characters"),            # 16 characters
    ("11010519491231002Y", "18 characters"),
])
def test_bad_resident_ids_are_refused_with_the_reason(raw, why):
    with pytest.raises(InvalidField) as bad:
        canonical_resident_id(raw)
    assert why in bad.value.reason and bad.value.field == "petitioner.id_number"


def test_old_fifteen_digit_resident_id_needs_a_real_birth_date():
    assert canonical_resident_id("110105491231002") == "110105491231002"
    with pytest.raises(InvalidField):
        canonical_resident_id("110105491331002")


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108MA01KPGK0L", "91440300708461136T"])
def test_unified_social_credit_codes_with_valid_check_character(code):
    assert canonical_credit_code(code.lower()) == code
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(("raw", "why"), [
    ("91350100M000100Y44", "check character"),
    ("91350100M000100Y4", "18 characters"),
    ("91350100M0001O0Y43", "18 characters"),          # letter O is not in the alphabet
    ("9135A100M000100Y43", "area code"),
])
def test_bad_credit_codes_are_refused(raw, why):
    with pytest.raises(InvalidField) as bad:
        canonical_credit_code(raw)
    assert why in bad.value.reason


def test_petitioner_is_normalised_and_an_enterprise_when_it_has_a_credit_code():
    person = check_petitioner("王建国", "+86 138-1234-5678")
    assert person.phone == "13812345678" and not person.enterprise
    company = check_petitioner("李总", "024-23456789", enterprise_name="沈阳某某机械有限公司",
                               credit_code="91350100m000100y43")
    assert company.enterprise and company.credit_code == "91350100M000100Y43"


def test_petitioner_checks_name_the_first_bad_field():
    with pytest.raises(InvalidField) as bad:
        check_petitioner("王2国", "13812345678")
    assert bad.value.field == "petitioner.name"
    with pytest.raises(InvalidField) as bad:
        check_petitioner("李总", "13812345678", credit_code="91350100M000100Y43")
    assert bad.value.field == "petitioner.enterprise_name"
