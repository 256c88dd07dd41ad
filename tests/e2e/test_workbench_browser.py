"""The loop done by people, in headless Chromium against the five services and the staff
workbench as processes: a call-taker files a phone appeal in the console (the classifier's
suggestion and the terms that weighed most on screen as they type), the unit handler signs and
replies with one of the unit's templates, the petitioner rates the reply on the public page with
the evaluation code their SMS brought, and the supervisor sees it closed: the six links in one
test. A second appeal goes late, the supervisor escalates it with a supervision order and the
unit answers. A third is returned by the unit and the dispatcher re-dispatches it with the
catalogue's fit beside it; a fourth is co-handled, and the co-handling unit's contribution
reaches the lead unit's page.

Every page is screenshotted (into HOTLINE_SHOTS_DIR when set), must fit a 1280-pixel screen,
and passes axe-core's WCAG 2 A/AA rules (contrast, labels, names) with no serious violation.
"""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hotline.supervisor import Services
from shared.contracts.topics import SERVICES
from tests.e2e.test_browser import CHROMIUM_FLAGS, chromium_path  # noqa: F401 - the fixture
from tests.integration.helpers import eventually
from tests.integration.test_intake_answers import ENTRY
from tests.support import bearer, sms_inbox

# HOTLINE_E2E_PORT_BASE moves the six ports, so two runs on one machine do not collide
PORTS = {name: int(os.environ.get("HOTLINE_E2E_PORT_BASE", "18901")) + i
         for i, name in enumerate((*SERVICES, "workbench"))}
BASE = f"http://127.0.0.1:{PORTS['workbench']}"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORDS = {"calltaker": "calltaker-pw-1", "clerk": "samr-clerk-pw-1", "boss": "supervisor-pw-1",
             "sender": "dispatcher-pw-1", "police": "police-clerk-pw-1"}
ACCOUNTS = [("calltaker", "operator", None, "李坐席"), ("clerk", "unit", "SAMR", "王科员"),
            ("boss", "supervisor", None, "赵主任"), ("sender", "dispatcher", None, "钱派单"),
            ("police", "unit", "PUBLIC-SECURITY", "孙警官")]


@pytest.fixture(scope="module")
def workbench(settings, tmp_path_factory):
    env = {"HOTLINE_ENV": "test", "HOTLINE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "HOTLINE_DATABASE_URL": settings.database_url, "HOTLINE_TOPIC_PREFIX": settings.topic_prefix,
           "HOTLINE_RELAY_POLL_SECONDS": "0.2", "HOTLINE_SLA_POLL_SECONDS": "0.5",
           # a virtual day every 2 s, so the second appeal (20 working days) goes late while the test watches
           "HOTLINE_CLOCK_START": "2026-03-02T09:00:00+08:00", "HOTLINE_CLOCK_SPEED": "43200",
           **{f"HOTLINE_{name.upper()}_PORT": str(port) for name, port in PORTS.items()}}
    import time
    env["HOTLINE_CLOCK_ANCHOR"] = str(time.time())
    for username, role, unit, name in ACCOUNTS:  # through the real command
        command = [sys.executable, "-m", "hotline.cli", "staff", "add", username, "--role", role, "--name", name,
                   *(["--unit", unit] if unit else [])]
        done = subprocess.run(command, env={**os.environ, **env, "HOTLINE_STAFF_PASSWORD": PASSWORDS[username]},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    services = Services([*SERVICES, "workbench"], tmp_path_factory.mktemp("workbench-services"), env)
    services.start()
    try:
        services.wait_ready(timeout=180)
        yield services
    finally:
        services.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("HOTLINE_SHOTS_DIR") or tmp_path_factory.mktemp("workbench-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def check_page(page, shots: Path, name: str) -> None:
    """Screenshot the page; it fits 1280 px and axe-core finds no serious or critical violation."""
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{name}: {width} px wide"
    # Evaluated through the browser's debugging protocol, not as a <script> the page's own CSP
    # (script-src 'self') would rightly refuse: the pages are checked with their real policy.
    await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
    serious = [(v["id"], v["help"], [n["html"][:120] for n in v["nodes"][:3]]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"


async def log_in(browser, username: str):
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{BASE}/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORDS[username])
    await page.click("button[type=submit]")
    await page.wait_for_load_state("networkidle")
    return page


async def file_in_console(page, phone: str, description: str) -> str:
    await page.goto(f"{BASE}/console")
    await page.check("input[name=channel][value=phone]")
    await page.fill("#phone", phone)
    await page.fill("#name", "张先生")
    await page.select_option("#district", "heping")
    await page.fill("#description", description)
    await page.click("button:text-is('提交受理')")
    await page.wait_for_selector("text=受理结果")
    return (await page.inner_text(".code")).strip()


async def wait_in_inbox(page, tracking_number: str) -> None:
    async def listed() -> bool:
        await page.goto(f"{BASE}/unit")
        return await page.locator(f"a:text('{tracking_number}')").count() == 1
    await eventually(listed, timeout=60, what=f"{tracking_number} in the unit's inbox")


async def wait_for_text(page, selector: str, words: str, seconds: float = 15) -> None:
    """Polled: wait_for_function evaluates a string in the page, which its CSP forbids."""
    for _ in range(int(seconds * 10)):
        shown = await page.inner_text(selector) if await page.locator(selector).count() else ""
        if words in shown:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{words!r} never appeared in {selector}")


async def test_the_loop_done_by_people(workbench, settings, chromium_path, shots):  # noqa: F811 - the fixture
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        # the log-in page, and a wrong password answered without saying which part was wrong
        anonymous = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await anonymous.goto(f"{BASE}/unit")
        assert "/login" in anonymous.url  # no session: the log-in page, not the inbox
        await anonymous.fill("#username", "clerk")
        await anonymous.fill("#password", "not-the-password")
        await anonymous.click("button[type=submit]")
        await anonymous.wait_for_selector("text=用户名或密码不正确")
        await check_page(anonymous, shots, "01-login")

        # 1. the call-taker files a phone appeal while the caller is on the line
        calltaker = await log_in(browser, "calltaker")
        await calltaker.fill("#phone", "13900001111")
        await calltaker.click("button:text-is('查询来电记录')")
        await calltaker.wait_for_selector("#caller >> text=该号码无历史诉求")
        # the classifier's suggestion and the terms that weighed most appear while they type
        await calltaker.fill("#description", "太原街一家超市乱收费，标价和结账价格不一致，要求查处。")
        await wait_for_text(calltaker, "#suggestion", "价格")
        await calltaker.wait_for_selector("#suggested-terms")
        assert "乱收费" in await calltaker.inner_text("#suggested-terms")
        assert "消费投诉" in await calltaker.inner_text("#suggested-label")
        await check_page(calltaker, shots, "02-console")
        # the business line (key 6) is always a business-environment complaint: the suggestion follows the preset
        await calltaker.check("input[name=channel][value=phone_business_line]")
        await wait_for_text(calltaker, "#suggested-label", "营商环境投诉")
        await calltaker.check("input[name=channel][value=phone]")
        await wait_for_text(calltaker, "#suggested-label", "消费投诉")
        # an emergency is named before filing, with the number to call
        await calltaker.fill("#description", "楼道里着火了，火很大，有人被困")
        await calltaker.wait_for_selector("#suggestion-emergency")
        assert "119" in await calltaker.inner_text("#suggestion-emergency")
        # a consultation the knowledge base answers: the answer is on screen to read out, before filing
        async with httpx.AsyncClient(timeout=10) as http:
            kept = await http.post(f"http://127.0.0.1:{PORTS['intake']}/v1/knowledge", json=ENTRY,
                                   headers=bearer(settings, "admin"))
            assert kept.status_code == 201, kept.text
        await calltaker.fill("#description", "请问租房能不能提取公积金")
        await calltaker.wait_for_selector("#suggested-answer")
        assert ENTRY["answer"][:20] in await calltaker.inner_text("#suggested-answer")
        await check_page(calltaker, shots, "02-console-consultation")
        first = await file_in_console(calltaker, "13900001111", "太原街一家超市乱收费，标价和结账价格不一致，要求查处。")
        assert "已受理" in await calltaker.content()
        assert "价格" in await calltaker.inner_text("#receipt-classification")  # what it was filed as, and why
        await check_page(calltaker, shots, "03-console-receipt")
        # the caller's history now shows it, open
        await calltaker.goto(f"{BASE}/console")
        await calltaker.fill("#phone", "13900001111")
        await calltaker.click("button:text-is('查询来电记录')")
        await calltaker.wait_for_selector(f"#caller >> text={first}")
        # a call-taker has no business in a unit's inbox
        await calltaker.goto(f"{BASE}/unit")
        assert "无权访问" in await calltaker.content()
        await check_page(calltaker, shots, "04-forbidden")

        # 2. the unit handler keeps a template, signs, and replies with it
        clerk = await log_in(browser, "clerk")
        await clerk.goto(f"{BASE}/unit/templates")
        await clerk.fill("#title", "价格整改")
        await clerk.fill("#body", "经核查，已责令商户整改，标价与结算价格已统一。")
        await clerk.click("button:text-is('保存模板')")
        await clerk.wait_for_selector("td:text('价格整改')")
        await check_page(clerk, shots, "05-unit-templates")
        await wait_in_inbox(clerk, first)
        await check_page(clerk, shots, "06-unit-inbox")
        await clerk.click(f"a:text('{first}')")
        # whom to call back: read from intake (which learnt the letter's unit from routing), not routing
        await clerk.wait_for_selector("button:text-is('签收')")  # the appeal's page, not the inbox
        for _ in range(50):
            if "13900001111" in await clerk.content():
                break
            await asyncio.sleep(0.2)
            await clerk.reload()
        else:
            raise AssertionError("the petitioner's contact is not on the lead unit's appeal page")
        await clerk.click("button:text-is('签收')")
        await clerk.wait_for_selector("text=已签收")
        await clerk.click("button:text-is('答复办结')")  # empty: the reason comes back at the field
        await clerk.wait_for_selector("#reply-error")
        assert "请填写答复内容" in await clerk.inner_text("#reply-error")
        await clerk.click("a:text('价格整改')")
        # (polled from here: wait_for_function evaluates a string in the page, which its CSP forbids)
        for _ in range(100):
            if "已责令商户整改" in await clerk.input_value("#reply"):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the chosen template did not fill the reply")
        await check_page(clerk, shots, "07-unit-appeal")
        await clerk.click("button:text-is('答复办结')")
        await clerk.wait_for_selector("text=已答复，办结。")

        # 3. the supervisor finds it replied
        boss = await log_in(browser, "boss")
        await boss.fill("#number", first)
        await boss.click("button:text-is('查找')")
        await boss.wait_for_selector("#appeal-state")
        assert await boss.inner_text("#appeal-state") == "已答复"

        # 4. the petitioner rates the reply on the public page with the code their SMS brought
        # (within the 30-day window: a virtual day passes every 2 s here)
        async with sms_inbox(settings) as sms:
            reply_sms = await sms.wait_for(lambda m: m.kind == "reply" and m.tracking_number == first, timeout=40)
        citizen = await (await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")).new_page()
        await citizen.goto(f"http://127.0.0.1:{PORTS['publication']}/public/appeals/{first}")
        assert "13900001111" not in await citizen.content() and "张先生" not in await citizen.content()
        await citizen.fill("input[name=evaluation_token]", reply_sms.code)
        await citizen.check("input[name=satisfaction][value=satisfied]")
        await citizen.check("input[name=solved][value=true]")
        await citizen.click("button[type=submit]")
        await citizen.wait_for_selector("p[role=status]")
        assert await citizen.inner_text("p[role=status]") == "感谢您的评价，已记录。"
        await citizen.screenshot(path=str(shots / "08-public-rating.png"), full_page=True)

        # 5. the supervisor sees it closed
        async def closed_on_board() -> bool:
            await boss.goto(f"{BASE}/board/find?number={first}")
            return await boss.inner_text("#appeal-state") == "已办结"
        await eventually(closed_on_board, timeout=60, what="the rated appeal closed on the supervisor's page")

        # 6. a second appeal nobody signs goes late; the supervisor orders a leaders' interview
        second = await file_in_console(calltaker, "13900002222", "中街一家商场促销价格欺诈，原价虚高后打折销售。")
        await wait_in_inbox(clerk, second)

        # meanwhile: a third appeal SAMR returns; the dispatcher reads which rule fits and why
        third = await file_in_console(calltaker, "13900004444", "北行一家药店药品价格标价不清，多收了钱。")
        await wait_in_inbox(clerk, third)
        await clerk.click(f"a:text('{third}')")
        await clerk.fill("#reason", "药店药品价格属医保与药监职责，非本局。")
        await clerk.click("button:text-is('退单')")
        await clerk.wait_for_selector("text=已退单")
        sender = await log_in(browser, "sender")

        async def returned_on_dispatch_page() -> bool:
            await sender.goto(f"{BASE}/dispatch")
            return await sender.locator(f"form:has-text('{third}')").count() == 1
        await eventually(returned_on_dispatch_page, timeout=30, what="the returned letter on the dispatcher's page")
        card = sender.locator(f"form:has-text('{third}')")
        fit = await card.locator("details.fit").inner_text()
        assert "SAMR" in fit and "已退过单" in fit and "建议改派" in fit and "类别=价格" in fit
        advised = await card.locator("select[name=unit_code]").input_value()
        assert advised and advised != "SAMR", "the advised unit is pre-selected"
        await check_page(sender, shots, "10-dispatch")
        await card.locator("input[name=reason]").fill("按目录建议改派")
        await card.locator("button:text-is('改派')").click()
        await sender.wait_for_selector("text=已改派")

        # and a fourth, co-handled: SAMR contributes, the lead unit (police) reads it
        fourth = await file_in_console(calltaker, "13900005555", "举报某公司非法集资诈骗，骗了很多老人的钱。")
        await wait_in_inbox(clerk, fourth)
        await clerk.click(f"a:text('{fourth}')")
        assert "协办" in await clerk.inner_text("#facts-h + p + p")
        assert await clerk.locator("button:text-is('签收')").count() == 0, "signing is the lead unit's"
        await clerk.fill("#contribution", "经查，该公司无营业执照，已移交线索。")
        await clerk.click("button:text-is('提交协办意见')")
        await clerk.wait_for_selector("text=协办意见已提交主办单位")
        assert "已移交线索" in await clerk.inner_text(".contribution")
        await check_page(clerk, shots, "13-unit-co-handling")
        police = await log_in(browser, "police")
        await wait_in_inbox(police, fourth)
        await police.click(f"a:text('{fourth}')")
        assert "已移交线索" in await police.inner_text(".contribution")
        assert "SAMR" in await police.inner_text(".contribution")
        await check_page(police, shots, "14-unit-lead-sees-contribution")

        async def overdue_on_board() -> bool:
            await boss.goto(f"{BASE}/board?kind=overdue&unit=SAMR")
            return await boss.locator("text=查看 / 督办").count() >= 1
        await eventually(overdue_on_board, timeout=180, what="the late appeal on the supervisor board")
        since = await boss.locator("td.overdue-since").all_inner_texts()
        assert since and all(text.strip() for text in since), "'overdue since' is never blank"
        await check_page(boss, shots, "08-board")
        await boss.goto(f"{BASE}/board/find?number={second}")
        await boss.wait_for_selector("#appeal-state")
        await boss.check("input[name=mode][value=leader_interview]")
        await boss.fill("#instructions", "请单位负责人于两个工作日内说明超期原因及整改措施。")
        await boss.click("button:text('下发督办单')")
        await boss.wait_for_selector("text=督办单已下发至承办单位")
        await check_page(boss, shots, "09-board-appeal")

        # 7. the unit sees the order in its inbox and answers it
        await clerk.goto(f"{BASE}/unit")
        assert "待回复的督办单" in await clerk.content()
        await clerk.click("text=查看并回复")
        await clerk.fill("textarea[name=answer]", "已约谈商户负责人，今日完成退款并整改。")
        await clerk.click("button:text-is('回复督办单')")
        await clerk.wait_for_selector("text=督办单已回复")
        await boss.goto(f"{BASE}/board")
        assert "已约谈商户负责人" in await boss.content()

        # the extension page renders; English works throughout
        await sender.goto(f"{BASE}/lang/en?next=/dispatch")
        assert "Dispatch and review" in await sender.content()
        await check_page(sender, shots, "10-dispatch-en")
        await boss.goto(f"{BASE}/board/extensions")
        await check_page(boss, shots, "11-extensions")
        await calltaker.goto(f"{BASE}/lang/en?next=/console")
        await calltaker.fill("#description", "太原街一家超市乱收费，标价和结账价格不一致，要求查处。")
        await calltaker.wait_for_selector("#suggested-terms")
        assert "Consumer complaint" in await calltaker.inner_text("#suggested-label")
        await check_page(calltaker, shots, "15-console-en")
        await clerk.goto(f"{BASE}/lang/en?next=/unit")
        assert "Unit inbox" in await clerk.content()
        await check_page(clerk, shots, "12-unit-inbox-en")
        await browser.close()


async def test_a_form_sent_twice_applies_once_and_an_expired_session_applies_nothing(workbench):
    """Without a browser: the same console form twice files one appeal; a POST without a live
    session or with a wrong CSRF token changes nothing."""
    import re

    async with httpx.AsyncClient(base_url=BASE, follow_redirects=True, timeout=30) as http:
        form_page = await http.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form_page.text)[1]
        # Secure cookies are not sent back by httpx over plain HTTP (a browser does, on loopback):
        # carry them by hand
        logged = await http.post("/login", data={"csrf": token, "username": "calltaker",
                                                 "password": PASSWORDS["calltaker"]}, follow_redirects=False,
                                 cookies={"hotline_login_csrf": form_page.cookies["hotline_login_csrf"]})
        assert logged.status_code == 303, logged.text
        session = logged.cookies["hotline_staff"]
        session_cookie = next(c for c in logged.headers.get_list("set-cookie") if c.startswith("hotline_staff="))
        assert all(flag in session_cookie for flag in ("HttpOnly", "SameSite=lax", "Secure"))
        cookies = {"hotline_staff": session}
        console = await http.get("/console", cookies=cookies)
        csrf = re.search(r'name="csrf" value="([^"]+)"', console.text)[1]
        action = re.search(r'name="action_id" value="([^"]+)"', console.text)[1]
        form = {"csrf": csrf, "action_id": action, "channel": "phone", "district": "shenhe", "name": "刘女士",
                "phone": "13900003333", "description": "小区供暖温度不达标，室温只有十四度。"}
        numbers = set()
        for _ in range(2):
            receipt = await http.post("/console", data=form, cookies=cookies)
            numbers.add(re.search(r'class="code"[^>]*>([^<]+)<', receipt.text)[1])
        assert len(numbers) == 1
        wrong_csrf = await http.post("/console", data={**form, "csrf": "forged", "action_id": "other"}, cookies=cookies)
        assert wrong_csrf.status_code == 403
        expired = await http.post("/console", data={**form, "action_id": "third"}, cookies={"hotline_staff": "gone"})
        assert expired.url.path == "/login" and "刚才的操作未提交" in expired.text
        lookup = await http.post("/console/lookup", data={"csrf": csrf, "phone": "13900003333"}, cookies=cookies)
        assert lookup.text.count(numbers.pop()) == 1  # one appeal, not two
        # without JavaScript the "suggest" button brings the whole form back with the suggestion
        suggested = await http.post("/console/suggest", data={**form, "action_id": "fourth"}, cookies=cookies)
        assert suggested.status_code == 200 and 'id="suggested-label"' in suggested.text
        assert "小区供暖温度不达标" in suggested.text and 'action="/console"' in suggested.text
        assert not re.search(r'class="code"', suggested.text), "nothing filed"
        await asyncio.sleep(0)
