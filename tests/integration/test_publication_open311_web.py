"""Open311 GeoReport v2 and the public web page (HTML checked with httpx; the headless-Chromium
test of the forms is left for when the set-up has Chromium)."""

import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from services.publication.entrypoint import SPEC
from shared.contracts import topics
from tests.integration.helpers import eventually, read_topic, send
from tests.integration.test_publication_support import (
    NAME,
    PHONE,
    client_from,
    inquiry_hash,
    lifecycle,
    tracking_number,
)
from tests.support import bearer, running_service


@pytest.fixture(scope="module")
async def appeals(settings):
    """One public replied appeal with a script in its text, one private replied appeal."""
    t0 = datetime.now(UTC) - timedelta(days=2)
    public = (uuid.uuid4(), tracking_number())
    private = (uuid.uuid4(), tracking_number())
    await send(settings, *lifecycle(*public, t0, description=f"<script>alert('x')</script>{NAME}反映价格不一致"),
               *lifecycle(*private, t0, private=True, code_hash=inquiry_hash(settings.pepper(), "WEB23456")))
    return {"public": public[1], "private": private[1], "t0": t0}


async def _ready(api, number):
    async def shown() -> bool:
        got = await api.get(f"/v1/public/appeals/{number}")
        return got.status_code == 200 and got.json()["status"] == "replied"
    await eventually(shown, what="the public appeal replied")


async def test_open311_services_and_requests(settings, appeals):
    number = appeals["public"]
    async with running_service(SPEC, settings) as api:
        await _ready(api, number)
        listed = (await api.get("/open311/v2/services.json")).json()
        assert {"service_code": "CC-prices", "metadata": False} .items() <= next(
            s for s in listed if s["service_code"] == "CC-prices").items()
        xml = ET.fromstring((await api.get("/open311/v2/services.xml")).content)
        assert xml.tag == "services" and xml.find("service/service_code") is not None
        assert (await api.get("/open311/v2/services/CC-prices.json")).json()["attributes"] == []
        unknown = await api.get("/open311/v2/services/XX-nothing.json")
        assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404

        one = (await api.get(f"/open311/v2/requests/{number}.json")).json()[0]
        assert one["status"] == "closed" and one["agency_responsible"] == "沈阳市市场监督管理局"
        assert one["expected_datetime"].endswith("+08:00") and one["address"] == "和平区"
        assert NAME not in json.dumps(one, ensure_ascii=False) and PHONE not in json.dumps(one)
        as_xml = ET.fromstring((await api.get(f"/open311/v2/requests/{number}.xml")).content)
        assert as_xml.findtext("request/service_request_id") == number
        assert (await api.get(f"/open311/v2/requests/{appeals['private']}.json")).status_code == 404

        filtered = (await api.get("/open311/v2/requests.json",
                                  params={"service_code": "CC-prices", "status": "closed", "page_size": 100})).json()
        ids = {r["service_request_id"] for r in filtered}
        assert number in ids and appeals["private"] not in ids
        assert number not in {r["service_request_id"] for r in (await api.get(
            "/open311/v2/requests.json", params={"status": "open", "page_size": 100})).json()}
        by_id = (await api.get("/open311/v2/requests.json", params={"service_request_id": number})).json()
        assert [r["service_request_id"] for r in by_id] == [number]
        old = (await api.get("/open311/v2/requests.json", params={"end_date": "2020-01-01"})).json()
        assert old == []
        for params in ({"start_date": "not-a-date"}, {"page_size": "0"}, {"page_size": "1000"},
                       {"page": "x"}, {"status": "pending"}):
            bad = await api.get("/open311/v2/requests.json", params=params)
            assert bad.status_code == 400 and bad.json()[0]["code"] == 400, params
        assert (await api.get("/open311/v2/requests.json", params={"service_code": "CC-nothing"})).status_code == 404


async def test_open311_submission_goes_to_intake_once_with_a_token(settings):
    form = {"service_code": "CC-prices", "description": "中街商场标价与结账价格不一致",
            "address_string": "沈阳市沈河区中街路100号", "first_name": "建国", "last_name": "王", "phone": PHONE}
    async with running_service(SPEC, settings) as api:
        assert (await api.post("/open311/v2/requests.json", data=form)).status_code == 403
        assert (await api.post("/open311/v2/requests.json", data=form | {"api_key": "k1.guess"})).status_code == 403
        assert (await api.post("/v1/admin/open311/keys", json={"client_name": "civic app"},
                               headers=bearer(settings, "operator"))).status_code == 403
        issued = await api.post("/v1/admin/open311/keys", json={"client_name": "civic app"},
                                headers=bearer(settings, "admin"))
        api_key = issued.json()["api_key"]
        for bad in ({"service_code": "CC-nothing"}, {"address_string": "大连市中山区"}, {"phone": ""},
                    {"description": ""}):
            refused = await api.post("/open311/v2/requests.json", data=form | {"api_key": api_key} | bad)
            assert refused.status_code in (400, 404) and "description" in refused.json()[0], bad

        first = await api.post("/open311/v2/requests.json", data=form | {"api_key": api_key})
        retry = await api.post("/open311/v2/requests.json", data=form | {"api_key": api_key})
        assert first.status_code == retry.status_code == 201
        token = first.json()[0]["token"]
        assert retry.json()[0]["token"] == token
        pending = (await api.get(f"/open311/v2/tokens/{token}.json")).json()
        assert pending == [{"token": token, "service_request_id": None}]
        assert (await api.get(f"/open311/v2/tokens/{uuid.uuid4()}.json")).status_code == 404

        def ours_only(record) -> bool:
            return form["description"].encode() in (record.value or b"")

        submissions = await read_topic(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), expect=2,
                                       match=ours_only, timeout=5)
        ours = [json.loads(r.value) for r in submissions]
        assert len(ours) == 1, "a retried POST is one submission"
        assert ours[0]["channel"] == "web" and ours[0]["channel_message_id"].startswith("open311-")
        assert ours[0]["district"] == "shenhe" and ours[0]["category"] == "prices"
        assert ours[0]["petitioner"] == {"name": "王建国", "phone": PHONE, "id_number": None,
                                         "enterprise_name": None, "credit_code": None}


async def test_web_page_lists_escapes_and_toggles_language(settings, appeals):
    number = appeals["public"]
    async with running_service(SPEC, settings) as api:
        await _ready(api, number)
        page = await api.get("/public")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert number in page.text and "沈阳12345 办件公开" in page.text
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text
        assert appeals["private"] not in page.text and NAME not in page.text
        assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "no assets from elsewhere"
        english = await api.get("/public", params={"lang": "en", "district": "heping", "type": "consumer_complaint"})
        assert "Shenyang 12345 public appeals" in english.text and number in english.text
        filtered = await api.get("/public", params={"district": "tiexi"})
        assert number not in filtered.text
        detail = await api.get(f"/public/appeals/{number}", params={"lang": "en"})
        assert "Timeline" in detail.text and "Transferred to the unit" in detail.text
        assert 'name="satisfaction"' in detail.text, "a replied appeal offers the rating form"
        assert (await api.get(f"/public/appeals/{appeals['private']}")).status_code == 404


async def test_web_inquiry_and_evaluation_forms(settings, appeals):
    async with running_service(SPEC, settings) as api, client_from(api, "192.0.2.44") as browser:
        await _ready(api, appeals["public"])
        form = await browser.get("/public/inquiry")
        assert '<form method="post" action="/public/inquiry' in form.text
        wrong = await browser.post("/public/inquiry", data={"tracking_number": appeals["private"],
                                                            "inquiry_code": "NOPE2345"})
        unknown = await browser.post("/public/inquiry", data={"tracking_number": tracking_number(),
                                                              "inquiry_code": "NOPE2345"})
        assert wrong.status_code == unknown.status_code == 404 and wrong.text == unknown.text
        right = await browser.post("/public/inquiry", data={"tracking_number": appeals["private"].lower(),
                                                            "inquiry_code": "web2-3456"})
        assert right.status_code == 200 and appeals["private"] in right.text
        assert 'name="inquiry_code" value="WEB23456"' in right.text, "the rating form carries the code in its body"

        path = f"/public/appeals/{appeals['private']}/evaluation"
        incomplete = await browser.post(path, data={"inquiry_code": "WEB23456", "comment": "<b>hi</b>"})
        assert incomplete.status_code == 422 and "&lt;b&gt;hi&lt;/b&gt;" in incomplete.text
        rated = await browser.post(path, data={"inquiry_code": "WEB23456", "satisfaction": "satisfied",
                                               "solved": "true", "comment": "<b>谢谢</b>"})
        assert rated.status_code == 201 and "感谢您的评价" in rated.text and "<b>谢谢" not in rated.text
        twice = await browser.post(path, data={"inquiry_code": "WEB23456", "satisfaction": "satisfied",
                                               "solved": "true"})
        assert twice.status_code == 409 and "已评价" in twice.text
