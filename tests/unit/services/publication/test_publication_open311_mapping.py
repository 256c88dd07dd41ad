"""Open311 GeoReport v2 mapping: service codes, statuses, dates and submissions (domain/open311.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from services.publication.domain.open311 import (
    Open311Error,
    date_window,
    district_from,
    parse_service_code,
    petitioner_from,
    request_view,
    service_code,
    service_definition,
    services,
    statuses_for,
    submission_id,
    token_for,
)
from shared.contracts.vocabulary import CATEGORIES

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def row(**steps):
    base = {"tracking_number": "SY20261102ABCDEFGH", "appeal_type": "consumer_complaint", "category": "prices",
            "district": "heping", "summary": "超市价格不一致，电话[手机号]", "unit_name": "沈阳市市场监督管理局",
            "accepted_at": T0, "updated_at": T0, "expected_at": T0 + timedelta(days=28), "reply": None}
    return base | steps


def test_every_type_and_category_is_one_service_and_codes_round_trip():
    listed = services()
    assert len(listed) == sum(len(c) for c in CATEGORIES.values())
    assert len({s["service_code"] for s in listed}) == len(listed)
    for entry in listed:
        appeal_type, category = parse_service_code(entry["service_code"])
        assert service_code(appeal_type, category) == entry["service_code"]
    prices = next(s for s in listed if s["service_code"] == "CC-prices")
    assert prices["service_name"] == "消费投诉 - 价格" and prices["metadata"] is False
    assert next(s for s in services("en") if s["service_code"] == "CC-prices")["group"] == "Consumer complaint"


@pytest.mark.parametrize("code", ["XX-prices", "CC-taxation", "CC", "", "cc-prices", "CC-prices-2"])
def test_unknown_service_codes_are_404(code):
    with pytest.raises(Open311Error) as refused:
        parse_service_code(code)
    assert refused.value.code == 404


def test_service_definition_has_no_attributes():
    assert service_definition("PS-policies") == {"service_code": "PS-policies", "attributes": []}


def test_an_open_request_carries_unit_deadline_and_district_only():
    view = request_view(row(dispatched_at=T0 + timedelta(hours=1)))
    assert view["status"] == "open" and view["status_notes"] == "已转办: 沈阳市市场监督管理局"
    assert view["agency_responsible"] == "沈阳市市场监督管理局"
    assert view["expected_datetime"] == "2026-11-30T09:00:00+08:00"
    assert view["requested_datetime"] == "2026-11-02T09:00:00+08:00"
    assert view["address"] == "和平区" and view["lat"] is None
    assert view["service_code"] == "CC-prices" and view["description"].endswith("[手机号]")


def test_a_replied_request_is_closed_with_the_reply_in_the_notes():
    view = request_view(row(dispatched_at=T0, replied_at=T0 + timedelta(days=3), reply="已退还差价"), lang="en")
    assert view["status"] == "closed" and view["status_notes"] == "Completed: 已退还差价"


def test_a_reopened_request_is_open_again():
    view = request_view(row(dispatched_at=T0, replied_at=T0 + timedelta(days=3),
                            reopened_at=T0 + timedelta(days=4), reply="已退还差价"))
    assert view["status"] == "open" and view["status_notes"].startswith("重新办理")


def test_status_filter_maps_to_our_statuses():
    assert set(statuses_for("open")) == {"accepted", "dispatched", "returned", "signed", "reopened"}
    assert set(statuses_for("closed")) == {"replied", "evaluated", "closed"}
    assert len(statuses_for("open,closed")) == 8 and statuses_for(None) == ()


def test_a_returned_request_is_open_waits_for_re_dispatch_and_has_no_deadline():
    view = request_view(row(dispatched_at=T0, returned_at=T0 + timedelta(hours=3), unit_name="市场监管局",
                            expected_at=T0 + timedelta(days=20)))
    assert view["status"] == "open" and view["status_notes"] == "待重新派单"
    assert view["expected_datetime"] is None
    with pytest.raises(Open311Error):
        statuses_for("pending")


def test_date_window_defaults_to_90_days_and_rejects_bad_dates():
    now = datetime(2026, 11, 28, tzinfo=UTC)
    assert date_window(None, None, now).start == now - timedelta(days=90)
    window = date_window("2026-11-01", "2026-11-28T23:59:59+08:00", now)
    assert window.start.isoformat() == "2026-11-01T00:00:00+08:00"
    for bad in (("2026-13-01", None), ("yesterday", None), ("2026-11-20", "2026-11-01")):
        with pytest.raises(Open311Error) as refused:
            date_window(*bad, now)
        assert refused.value.code == 400


def test_district_from_attribute_or_address():
    assert district_from("沈阳市和平区南京北街", None) == "heping"
    assert district_from("Somewhere", "tiexi") == "tiexi"
    assert district_from(None, "沈北新区") == "shenbei"
    assert district_from(None, "法库") == "faku"
    assert district_from("大连市中山区", None) is None


def test_submission_id_is_stable_for_a_retry_and_differs_otherwise():
    fields = {"service_code": "CC-prices", "description": "价格不一致", "phone": "13812345678"}
    assert submission_id("k1", fields) == submission_id("k1", dict(reversed(list(fields.items()))))
    assert submission_id("k1", fields) != submission_id("k2", fields)
    assert submission_id("k1", fields) != submission_id("k1", fields | {"description": "别的"})
    assert token_for(submission_id("k1", fields)) == token_for(submission_id("k1", fields))


def test_petitioner_needs_name_and_phone():
    assert petitioner_from("建国", "王", "138 1234 5678") == ("王建国", "138 1234 5678")
    with pytest.raises(Open311Error):
        petitioner_from(None, None, "13812345678")
    with pytest.raises(Open311Error):
        petitioner_from("建国", "王", "call me")
