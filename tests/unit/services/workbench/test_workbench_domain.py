"""The workbench's pure rules: roles and areas, lockout, passwords, working days left, form checks."""

from datetime import UTC, datetime, timedelta

import pytest

from services.workbench.domain import accounts, deadlines, forms, passwords
from services.workbench.domain.accounts import AccountRefused, Staff, check_new_account
from services.workbench.domain.deadlines import overdue_column
from shared.contracts.local_time import SHANGHAI as SH


@pytest.mark.parametrize(("role", "enters", "kept_out"), [
    ("unit", {"unit"}, {"console", "dispatch", "board"}),
    ("operator", {"console"}, {"unit", "dispatch", "board"}),
    ("dispatcher", {"dispatch", "console"}, {"unit", "board"}),
    ("supervisor", {"board"}, {"unit", "console", "dispatch"}),
    ("admin", {"board"}, {"unit", "console", "dispatch"}),
])
def test_each_role_enters_its_own_pages_only(role, enters, kept_out):
    staff = Staff("x", "X", role, "SAMR" if role == "unit" else None)
    assert {a for a in enters | kept_out if staff.may_enter(a)} == enters


def test_dispatchers_act_with_the_operator_role_of_the_apis():
    assert Staff("d", "D", "dispatcher", None).api_role == "operator"
    assert Staff("u", "U", "unit", "SAMR").api_role == "unit"


@pytest.mark.parametrize(("username", "role", "unit", "password", "field"), [
    ("A b", "operator", None, "long-enough-pw", "username"),
    ("clerk", "janitor", None, "long-enough-pw", "role"),
    ("clerk", "unit", None, "long-enough-pw", "unit"),
    ("clerk", "unit", "samr", "long-enough-pw", "unit"),
    ("clerk", "operator", "SAMR", "long-enough-pw", "unit"),
    ("clerk", "unit", "SAMR", "short", "password"),
])
def test_accounts_that_cannot_exist_are_refused_with_the_field(username, role, unit, password, field):
    with pytest.raises(AccountRefused) as refused:
        check_new_account(username, role, unit, password)
    assert refused.value.field == field


def test_a_good_account_passes():
    check_new_account("clerk.samr", "unit", "SAMR", "long-enough-pw")


def test_the_fifth_wrong_password_locks_for_fifteen_minutes_and_the_count_restarts():
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    failed, until = 0, None
    for _ in range(accounts.MAX_FAILURES - 1):
        failed, until = accounts.after_failure(failed, now)
        assert until is None
    failed, until = accounts.after_failure(failed, now)
    assert (failed, until) == (0, now + timedelta(minutes=15))
    assert accounts.locked(until, now + timedelta(minutes=14))
    assert not accounts.locked(until, now + timedelta(minutes=15))
    assert not accounts.locked(None, now)


def test_passwords_are_argon2_hashes_that_verify_only_the_password():
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterY")
    assert not passwords.verify(None, "correct horse battery")  # unknown user: false, same work
    assert not passwords.verify("not a hash", "x")


def test_working_days_left_skip_weekends_and_holidays():
    friday = datetime(2026, 3, 6, 10, tzinfo=SH)
    assert deadlines.working_days_left(friday, datetime(2026, 3, 9, 23, 59, tzinfo=SH)) == 1  # Monday
    assert deadlines.working_days_left(friday, datetime(2026, 3, 6, 23, 59, tzinfo=SH)) == 0  # today
    # National Day week 2026: Oct 1-7 are holidays, so from Sep 30 the next working day is Oct 8 (or a make-up day)
    sep30 = datetime(2026, 9, 30, 10, tzinfo=SH)
    assert deadlines.working_days_left(sep30, datetime(2026, 10, 8, 23, 59, tzinfo=SH)) <= 2
    # overdue: negative, counting the working days since
    assert deadlines.working_days_left(datetime(2026, 3, 10, 10, tzinfo=SH), datetime(2026, 3, 6, 23, 59, tzinfo=SH)) == -2


@pytest.mark.parametrize(("due", "colour"), [
    (datetime(2026, 3, 6, 9, tzinfo=SH), "overdue"),
    (datetime(2026, 3, 6, 23, 59, tzinfo=SH), "due"),
    (datetime(2026, 3, 9, 23, 59, tzinfo=SH), "due"),
    (datetime(2026, 3, 11, 23, 59, tzinfo=SH), "soon"),
    (datetime(2026, 3, 20, 23, 59, tzinfo=SH), "ok"),
    (None, "ok"),
])
def test_urgency_colours(due, colour):
    assert deadlines.urgency(datetime(2026, 3, 6, 10, tzinfo=SH), due) == colour


def test_form_checks_give_each_field_its_reason_in_both_languages():
    errors: forms.Errors = {}
    form = {"reply": "  ", "days": "61", "outcome": "maybe", "phone": "12-34", "note": "a\x00b"}
    assert forms.text(form, "reply", errors, label=("答复内容", "Reply")) == ""
    assert forms.whole_number(form, "days", errors, label=("延期天数", "Working days"), low=1, high=60) is None
    assert forms.choice(form, "outcome", ("solved", "explained"), errors, label=("办理结果", "Outcome")) is None
    forms.phone(form, "phone", errors)
    forms.text(form, "note", errors, label=("备注", "Note"))
    assert set(errors) == {"reply", "days", "outcome", "phone", "note"}
    assert errors["reply"] == ("请填写答复内容", "Reply is required")
    assert all(zh and en and zh != en for zh, en in errors.values())


def test_optional_choices_and_good_values_pass():
    errors: forms.Errors = {}
    assert forms.choice({}, "subtype", ("help",), errors, label=("子类", "Subtype"), required=False) is None
    assert forms.whole_number({"d": "5"}, "d", errors, label=("天", "Days"), low=1, high=60) == 5
    assert forms.phone({"p": "139 0000 1111"}, "p", errors) == "13900001111"
    assert errors == {}


def test_a_services_422_lands_at_the_form_field_or_on_the_form():
    errors = forms.from_service({"reply": "too long", "petitioner": "bad"}, ("reply",))
    assert errors["reply"][1] == "too long" and errors["_form"][1] == "bad"


# --- the board's "overdue since" is never blank ----------------------------------------------------


def test_overdue_since_is_slas_mark_when_it_fired():
    now = datetime(2026, 3, 10, 9, tzinfo=SH)
    marked = overdue_column("2026-03-06T10:00:00+08:00", "2026-03-06T09:00:00+08:00", now)
    assert marked == {"late": True, "late_since": "2026-03-06T10:00:00+08:00", "marked": True}


def test_overdue_since_is_the_due_time_before_slas_poller_marked_it():
    now = datetime(2026, 3, 10, 9, tzinfo=SH)
    for due in ("2026-03-06T09:00:00+08:00", datetime(2026, 3, 6, 9, tzinfo=SH)):
        assert overdue_column(None, due, now) == {"late": True, "late_since": due, "marked": False}


def test_not_yet_due_is_not_overdue():
    now = datetime(2026, 3, 10, 9, tzinfo=SH)
    assert overdue_column(None, "2026-03-12T09:00:00+08:00", now)["late"] is False
    assert overdue_column(None, None, now) == {"late": False, "late_since": None, "marked": False}


def test_every_category_of_the_vocabulary_has_a_name_in_both_languages():
    from services.workbench.domain.labels import CATEGORIES
    from shared.contracts.vocabulary import CATEGORIES as VOCABULARY

    for categories in VOCABULARY.values():
        for category in categories:
            zh, en = CATEGORIES[category]
            assert zh and en and zh != en


# --- the dispatcher's re-dispatch carries the catalogue's co-handling units when kept ticked -------


def test_co_handling_unit_codes_from_the_checkbox():
    errors: forms.Errors = {}
    assert forms.unit_codes({"with_co": "URBAN-MGMT,SAMR"}, "with_co", errors) == ("URBAN-MGMT", "SAMR")
    assert forms.unit_codes({}, "with_co", errors) == () and not errors
    for wrong in ("urban", "A,<b>", ",".join(["SAMR"] * 11)):
        errors = {}
        assert forms.unit_codes({"with_co": wrong}, "with_co", errors) == () and "with_co" in errors


def _dispatch_page(fit: dict) -> str:
    from services.workbench.pages.common import _templates

    item = {"appeal_id": "a1", "tracking_number": "SY20260301AAAAAAAA", "state": "returned", "appeal_type":
            "public_service_request", "category": "livelihood", "district": "heping", "attempt": 1,
            "returned_by": ["REAL-ESTATE"], "unit_trail": ["REAL-ESTATE"], "fit": fit}
    return _templates.get_template("dispatch.html").render(
        lang="zh", t=lambda zh, en: zh, staff=None, csrf="c", path="/dispatch", new_action_id=lambda: "x",
        held=[], queue=[item], queue_total=1, units=[("ECOLOGY", "生态环境局", "Ecology"),
                                                      ("REAL-ESTATE", "房产局", "Real estate")],
        types={}, subtypes={}, categories=[], districts=[], errors={}, failed_for=None, values={}, done=None)


def test_the_advised_rule_is_explained_preselected_and_its_co_handling_units_offered():
    fit = {"returned_by": ["REAL-ESTATE"], "fits": [
        {"rule_id": "request-property", "fallback": False, "lead": "REAL-ESTATE", "lead_name_zh": "房产局",
         "lead_name_en": "Real estate", "co": [], "returned": True,
         "matched": {"appeal_type": "public_service_request", "category": "livelihood", "district": None,
                     "keywords": ["物业"]}},
        {"rule_id": "request-pollution", "fallback": False, "lead": "ECOLOGY", "lead_name_zh": "生态环境局",
         "lead_name_en": "Ecology", "co": ["URBAN-MGMT"], "returned": False,
         "matched": {"appeal_type": "public_service_request", "category": "livelihood", "district": None,
                     "keywords": ["油烟"]}}]}
    fit["advised"] = fit["fits"][1]
    html = _dispatch_page(fit)
    assert "已退过单" in html and "建议改派" in html and "关键词：" in html and "油烟" in html
    assert '<option value="ECOLOGY" selected>' in html
    assert 'name="with_co" value="URBAN-MGMT" checked' in html


def test_no_advice_says_a_person_decides_and_offers_no_co_handling_units():
    fit = {"returned_by": ["A"], "fits": [
        {"rule_id": "r", "fallback": False, "lead": "A", "lead_name_zh": "甲", "lead_name_en": "A", "co": ["B"],
         "returned": True, "matched": {"appeal_type": "public_service_request", "category": None, "district": None,
                                       "keywords": []}}], "advised": None}
    html = _dispatch_page(fit)
    assert "请人工指定" in html and 'name="with_co"' not in html and " selected>" not in html


@pytest.mark.parametrize(("text", "lang", "shown"), [
    ("returned by SAMR: 药店药品价格属医保与药监职责，非本局。", "zh", "退单理由：药店药品价格属医保与药监职责，非本局。"),
    ("returned by SAMR: not ours: the drug bureau's", "en", "Reason for return: not ours: the drug bureau's"),
    ("escalated: returned by three units", "zh", "升级原因：returned by three units"),
    ("no rule covers (prices, heping)", "zh", "no rule covers (prices, heping)"),
    (None, "zh", ""),
])
def test_a_dispatcher_reads_the_kind_of_wait_in_the_pages_language_and_the_units_own_words(text, lang, shown):
    from services.workbench.domain.labels import waiting_reason
    assert waiting_reason(text, lang) == shown
