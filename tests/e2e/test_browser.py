"""A person's view in headless Chromium: a petitioner rates a reply through the public page's
form, and the dashboard shows the unit ranking. The five services run as processes."""

import os
import shutil
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from shared.auth import issue_token
from shared.contracts.local_time import month_of
from shared.contracts.topics import SERVICES
from tests.e2e.conftest import Platform
from tests.integration.helpers import eventually
from tests.support import channel_bearer, sms_inbox

PORTS = {name: 18101 + i for i, name in enumerate(SERVICES)}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def chromium_path():
    if CHROMIUM is None:
        reason = "headless Chromium is not installed (`make browser` installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


PLATFORM = Platform(PORTS, "browser-services")
platform = PLATFORM.fixture()
url = PLATFORM.url


async def replied_public_appeal(settings) -> str:
    """File an appeal, let its unit sign and reply through the unit API; return its number."""
    unit = {"Authorization": f"Bearer {issue_token(settings, 'clerk', 'unit', 'SAMR')}"}
    async with httpx.AsyncClient(timeout=10) as http:
        receipt = await http.post(url("intake", "/v1/appeals"), headers=channel_bearer(settings, "web"), json={
            "channel": "web", "channel_message_id": f"browser-{uuid.uuid4()}", "district": "和平区",
            "description": "太原街一家超市乱收费，标价和结账价格不一致，要求查处。",
            "petitioner": {"name": "赵敏", "phone": "13612345678"}})
        assert receipt.status_code == 201, receipt.text
        appeal_id = receipt.json()["appeal_id"]

        async def in_unit_inbox() -> bool:
            return (await http.get(url("routing", f"/v1/units/SAMR/appeals/{appeal_id}"), headers=unit)).status_code == 200
        await eventually(in_unit_inbox, what="the transfer letter to reach SAMR")
        for action, body in (("sign", {}), ("reply", {"reply": "已责令商户整改，价格已统一。", "outcome": "solved"})):
            done = await http.post(url("routing", f"/v1/units/SAMR/appeals/{appeal_id}/{action}"),
                                   json={"action_id": str(uuid.uuid4()), **body}, headers=unit)
            assert done.status_code < 300, done.text
        tracking_number = receipt.json()["tracking_number"]

        async def replied_in_public() -> bool:
            got = await http.get(url("publication", f"/v1/public/appeals/{tracking_number}"))
            return got.status_code == 200 and got.json().get("status") == "replied"
        await eventually(replied_in_public, what="publication to show the reply")
    return tracking_number


async def test_a_petitioner_rates_the_reply_through_the_public_page(platform, settings, chromium_path):
    from playwright.async_api import async_playwright

    async with sms_inbox(settings) as sms:
        tracking_number = await replied_public_appeal(settings)
        reply = await sms.wait_for(lambda m: m.kind == "reply" and m.tracking_number == tracking_number)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        page = await browser.new_page()
        await page.goto(url("publication", f"/public/appeals/{tracking_number}"))
        assert "13612345678" not in await page.content() and "赵敏" not in await page.content()
        # the petitioner types the evaluation code from the SMS, as printed there
        await page.fill("input[name=evaluation_token]", reply.code)
        await page.check("input[name=satisfaction][value=satisfied]")
        await page.check("input[name=solved][value=true]")
        await page.fill("textarea[name=comment]", "<script>alert(1)</script>处理及时")
        await page.click("button[type=submit]")
        await page.wait_for_load_state()
        await page.screenshot(path=str(platform.log_dir / "evaluation.png"))
        notice = await page.inner_text("p[role=status]")
        dialogs: list = []
        page.on("dialog", lambda dialog: dialogs.append(dialog))  # a run <script>alert(1)</script> opens one
        await page.reload()
        await browser.close()
    assert notice == "感谢您的评价，已记录。"
    assert dialogs == []

    async def evaluated() -> bool:
        got = httpx.get(url("publication", f"/v1/public/appeals/{tracking_number}"), timeout=5).json()
        return got.get("status") in ("evaluated", "closed")
    await eventually(evaluated, what="the rating to be recorded")


async def test_the_dashboard_shows_rankings_trends_and_charts_in_both_languages(platform, settings, chromium_path):
    from playwright.async_api import async_playwright

    await replied_public_appeal(settings)
    period = month_of(datetime.now(UTC))
    page_url = url("assessment", f"/dashboard?period={period}")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        elsewhere: list[str] = []
        page.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else elsewhere.append(r.url))
        await page.goto(page_url)
        await page.wait_for_selector("#rates-municipal_department canvas")   # ECharts drew the rates
        await page.screenshot(path=str(platform.log_dir / "dashboard-zh.png"), full_page=True)
        body = await page.inner_text("body")
        charts = await page.locator(".plot canvas").count()
        overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        await page.click("text=English")
        await page.wait_for_selector("#trend-municipal_department canvas")
        await page.screenshot(path=str(platform.log_dir / "dashboard-en.png"), full_page=True)
        english = await page.inner_text("body")
        plain = await browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
        without_js = await plain.new_page()
        await without_js.goto(page_url)
        table = await without_js.inner_text("table.ranking")
        await without_js.screenshot(path=str(platform.log_dir / "dashboard-nojs.png"), full_page=True)
        await browser.close()
    assert "统一考核" in body and "市直部门" in body and "签收率" in body and "截至" in body
    assert "SAMR" in body, "the unit that handled the appeal is in the ranking"
    assert charts >= 2, "a rates chart and a trend chart"
    assert overflow <= 0, "fits 1280 px without horizontal scrolling"
    assert elsewhere == [], "nothing is loaded from the internet"
    assert "Municipal departments" in english and "Response" in english and "As of" in english
    assert "SAMR" in table and "名次" in table, "the table is complete without JavaScript"


async def test_a_citizen_files_a_private_appeal_through_the_website_form(platform, settings, chromium_path):
    """The public page's own form, without JavaScript: code by SMS, then the appeal; the
    confirmation page shows the tracking number and the inquiry code once."""
    from playwright.async_api import async_playwright

    phone = "139" + str(uuid.uuid4().int)[:8]
    async with sms_inbox(settings) as sms, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        page = await browser.new_page(java_script_enabled=False)
        await page.goto(url("publication", "/public"))
        await page.click("text=我要诉求")
        await page.fill("input[name=name]", "孙倩")
        await page.fill("input[name=phone]", phone)
        await page.select_option("select[name=district]", "shenhe")
        await page.select_option("select[name=appeal_type]", "consumer_complaint")
        await page.fill("textarea[name=description]", "五爱市场一家服装店乱收费，标价和结账价格不一致，要求查处。")
        await page.check("input[name=private]")
        await page.click("button[type=submit]")
        await page.wait_for_load_state()
        assert "验证码已发送" in await page.inner_text("p[role=status]")
        code = (await sms.wait_for(lambda m: m.kind == "phone_confirmation" and m.phone == "+86" + phone)).code
        await page.fill("input[name=code]", code)
        confirmation_id = await page.get_attribute("input[name=confirmation_id]", "value")
        await page.screenshot(path=str(platform.log_dir / "appeal-form.png"), full_page=True)
        await page.click("text=提交诉求")
        await page.wait_for_load_state()
        await page.screenshot(path=str(platform.log_dir / "appeal-filed.png"), full_page=True)
        number = await page.inner_text("#tracking-number")
        inquiry_code = await page.inner_text("#inquiry-code")
        receipt = await sms.wait_for(lambda m: m.kind == "receipt" and m.tracking_number == number)
        await browser.close()
    assert number.startswith("SY") and receipt.code == inquiry_code
    # the form sent again (a double click, a reload) is the same appeal, and the code is not shown again
    async with httpx.AsyncClient(timeout=10) as http:
        again = await http.post(url("publication", "/public/submit"), data={
            "name": "孙倩", "phone": phone, "district": "shenhe", "appeal_type": "consumer_complaint",
            "description": "五爱市场一家服装店乱收费，标价和结账价格不一致，要求查处。", "private": "1",
            "confirmation_id": confirmation_id, "code": code})
    assert again.status_code == 200 and number in again.text and inquiry_code not in again.text
    async with httpx.AsyncClient(timeout=10) as http:
        hidden = await http.get(url("publication", f"/v1/public/appeals/{number}"))
        shown = await http.get(url("publication", f"/v1/public/appeals/{number}"),
                               headers={"X-Inquiry-Code": inquiry_code})
    assert hidden.status_code == 404  # private: never listed

    async def visible_with_code() -> bool:
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.get(url("publication", f"/v1/public/appeals/{number}"),
                               headers={"X-Inquiry-Code": inquiry_code})
        return r.status_code == 200
    if shown.status_code != 200:
        await eventually(visible_with_code, what="the private appeal with its code")
