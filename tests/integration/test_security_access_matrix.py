"""Access control over every route of every service, and no personal data on the public face.

Routes are enumerated from each app (OpenAPI document plus hidden routes), so a new route is
checked without editing this file: without a token it must answer 401 unless it is listed as
public below, and the classification test fails until its roles are written down here.
"""

import asyncio
import uuid

import asyncpg
import pytest

from shared.auth import ROLES, issue_token
from shared.contracts import topics
from tests.integration.helpers import eventually, produce
from tests.integration.test_security_support import (
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    PLATE,
    SCRIPT,
    SERVICES,
    Route,
    all_routes,
    example,
    forged_tokens,
    json_body_schema,
    pii_in,
    platform,
    required_query,
    token,
)
from tests.support import sms_inbox

# Documented as public (no token): intake's submission entrance (README "no token needed"),
# publication's public API, Open311 and web page, assessment's reading endpoints.
PUBLIC = {
    # anonymous for the website only (channel "web", with a phone confirmation); the other
    # channels need a channel token: tested below.
    ("intake", "POST", "/v1/appeals"),
    # The petitioner's word on an answer offered at intake; the receipt's one-time answer token is the proof.
    ("intake", "POST", "/v1/appeals/{appeal_id}/answer-feedback"),
    ("intake", "POST", "/v1/web/phone-confirmations"),
    ("assessment", "GET", "/v1/scores"), ("assessment", "GET", "/v1/scores.csv"),
    ("assessment", "GET", "/v1/weights"), ("assessment", "GET", "/v1/periods"),
    ("assessment", "GET", "/dashboard"), ("assessment", "GET", "/dashboard/static/{name}"),
}
PUBLIC_PREFIXES = {"publication": ("/v1/public/", "/open311/v2/", "/public")}

ALL = set(ROLES)
# Who may call each protected route (the services' READMEs); "unit" means: for its own unit only.
ALLOWED: dict[tuple[str, str, str], set[str]] = {
    ("intake", "GET", "/v1/review-queue"): {"operator"},
    ("intake", "POST", "/v1/appeals/{appeal_id}/corrections"): {"operator"},
    ("intake", "POST", "/v1/appeals/{appeal_id}/acceptance"): {"operator"},
    ("intake", "POST", "/v1/appeals/{appeal_id}/refusal"): {"operator"},
    ("intake", "GET", "/v1/appeals/{appeal_id}/decisions"): {"operator"},
    ("intake", "GET", "/v1/taxonomy"): {"operator", "admin"},
    ("intake", "PUT", "/v1/taxonomy"): {"admin"},
    ("intake", "GET", "/v1/classifier"): {"operator", "admin"},
    ("intake", "POST", "/v1/classifier/training"): {"admin"},
    ("intake", "GET", "/v1/knowledge"): {"operator", "admin"},
    ("intake", "POST", "/v1/knowledge"): {"operator", "admin"},
    ("intake", "PUT", "/v1/knowledge/{entry_id}"): {"operator", "admin"},
    ("intake", "DELETE", "/v1/knowledge/{entry_id}"): {"operator", "admin"},
    ("intake", "POST", "/v1/appeals/{appeal_id}/answer-confirmation"): {"operator"},
    ("intake", "GET", "/v1/callers/appeals"): {"operator"},
    ("intake", "POST", "/v1/classification"): {"operator"},
    ("intake", "GET", "/v1/appeals/by-number/{tracking_number}"): {"operator", "supervisor"},
    ("intake", "GET", "/v1/appeals/{appeal_id}/contact"): {"unit", "operator", "supervisor", "admin"},
    ("intake", "POST", "/v1/appeals/{appeal_id}/forget"): {"admin"},
    ("routing", "GET", "/v1/units/{unit_code}/appeals"): {"unit", "operator", "supervisor"},
    ("routing", "GET", "/v1/units/{unit_code}/appeals/{appeal_id}"): {"unit"},
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/sign"): {"unit"},
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/return"): {"unit"},
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/extension"): {"unit"},
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/reply"): {"unit"},
    ("routing", "GET", "/v1/dispatch-queue"): {"operator", "supervisor"},
    ("routing", "GET", "/v1/appeals/{appeal_id}"): {"operator", "supervisor"},
    ("routing", "GET", "/v1/appeals/{appeal_id}/catalogue-fit"): {"operator", "supervisor"},
    ("routing", "POST", "/v1/appeals/{appeal_id}/dispatch"): {"operator", "supervisor"},
    ("routing", "POST", "/v1/appeals/{appeal_id}/review"): {"operator", "supervisor"},
    ("routing", "GET", "/v1/directory"): ALL,
    ("routing", "GET", "/v1/directory/explain"): ALL,
    ("routing", "PUT", "/v1/directory/units/{code}"): {"operator", "admin"},
    ("routing", "DELETE", "/v1/directory/units/{code}"): {"operator", "admin"},
    ("routing", "PUT", "/v1/directory/rules/{rule_id}"): {"operator", "admin"},
    ("routing", "DELETE", "/v1/directory/rules/{rule_id}"): {"operator", "admin"},
    ("sla", "PUT", "/v1/calendar/{year}"): {"supervisor", "admin"},
    ("sla", "GET", "/v1/calendar/{year}"): {"operator", "supervisor", "admin", "unit"},
    ("sla", "GET", "/v1/supervision/appeals"): {"supervisor", "admin"},
    ("sla", "GET", "/v1/supervision/summary"): {"supervisor", "admin"},
    ("sla", "GET", "/v1/extensions"): {"supervisor", "admin"},
    ("sla", "POST", "/v1/extensions/{extension_id}/decision"): {"supervisor"},
    ("sla", "GET", "/v1/deadlines/{appeal_id}/explanation"): {"supervisor", "admin", "operator", "unit"},
    ("sla", "POST", "/v1/supervision/orders"): {"supervisor"},
    ("sla", "GET", "/v1/supervision/orders"): {"supervisor", "admin"},
    ("sla", "GET", "/v1/supervision/clusters"): {"supervisor", "admin"},
    ("sla", "GET", "/v1/units/{unit_code}/notices"): {"unit", "supervisor", "admin"},
    ("sla", "POST", "/v1/units/{unit_code}/orders/{order_id}/answer"): {"unit"},
    ("publication", "POST", "/v1/operator/appeals/{tracking_number}/evaluation"): {"operator"},
    ("publication", "POST", "/v1/admin/open311/keys"): {"admin"},
    ("publication", "GET", "/v1/operator/return-calls"): {"operator", "supervisor"},
    ("publication", "POST", "/v1/operator/return-calls/{tracking_number}/decision"): {"operator", "supervisor"},
    ("assessment", "GET", "/v1/units/{unit_code}/scores"): {"operator", "supervisor", "admin", "unit"},
    ("assessment", "POST", "/v1/weights"): {"admin"},
    ("assessment", "POST", "/v1/periods/{period}/close"): {"admin"},
}
# What a unit token of ANOTHER unit gets on the appeal's unit's route (README of each service):
# 404 where the appeal's existence must not be revealed, 403 for a unit-level listing.
OTHER_UNIT = {
    ("intake", "GET", "/v1/appeals/{appeal_id}/contact"): 404,  # only the letter's unit learns it exists
    ("routing", "GET", "/v1/units/{unit_code}/appeals"): 403,
    ("routing", "GET", "/v1/units/{unit_code}/appeals/{appeal_id}"): 404,
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/sign"): 404,
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/return"): 404,
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/extension"): 404,
    ("routing", "POST", "/v1/units/{unit_code}/appeals/{appeal_id}/reply"): 404,
    ("sla", "GET", "/v1/deadlines/{appeal_id}/explanation"): 404,
    ("sla", "GET", "/v1/units/{unit_code}/notices"): 403,
    ("sla", "POST", "/v1/units/{unit_code}/orders/{order_id}/answer"): 404,
    ("assessment", "GET", "/v1/units/{unit_code}/scores"): 403,
}
OTHER_UNIT_CODE = "TAX"


def is_public(route: Route) -> bool:
    key = (route.service, route.method, route.path)
    return key in PUBLIC or route.path.startswith(PUBLIC_PREFIXES.get(route.service, ("\0",)))


def key_of(route: Route) -> tuple[str, str, str]:
    return (route.service, route.method, route.path)


# --- the world: five services and one appeal per entrance, full of personal data ---------------

def description(flow: str) -> str:
    return (f"[{flow}] 我叫{NAME}，手机{PHONE}，身份证号{ID_NUMBER}，车牌{PLATE}，邮箱{EMAIL}。"
            f"太原街一家超市乱收费，标价和结账价格不一致。{SCRIPT}")


def submission(flow: str, district: str, **extra) -> dict:
    return {"channel": "web", "channel_message_id": f"sec-{flow}-{uuid.uuid4()}", "district": district,
            "appeal_type": "consumer_complaint", "category": "prices", "description": description(flow),
            "petitioner": {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER}, **extra}


class World:
    def __init__(self, settings, clients, conn, sms=None):
        self.settings, self.clients, self.conn, self.sms = settings, clients, conn, sms
        self.public_numbers: list[str] = []
        self.private_number = ""
        self.appeal_id = ""
        self.unit_code = ""
        self.tracking_number = ""

    async def intake_row(self, marker: str):
        row = None

        async def found() -> bool:
            nonlocal row
            row = await self.conn.fetchrow(
                "SELECT appeal_id, tracking_number, status FROM intake.appeals WHERE description LIKE $1",
                f"%[{marker}]%")
            return row is not None
        await eventually(found, timeout=40, what=f"intake to accept the {marker} appeal")
        return row

    async def public_status(self, number: str, status: str | None = None) -> None:
        async def shown() -> bool:
            r = await self.clients["publication"].get(f"/v1/public/appeals/{number}")
            return r.status_code == 200 and (status is None or r.json()["status"] == status)
        await eventually(shown, timeout=60, what=f"{number} public ({status or 'any status'})")


async def build_world(settings, clients, conn, sms) -> World:
    world = World(settings, clients, conn, sms)
    intake, publication, routing = clients["intake"], clients["publication"], clients["routing"]
    adapter = token(settings, "channel")

    r = await intake.post("/v1/appeals", json=submission("http", "heping"), headers=adapter)
    assert r.status_code == 201 and r.json()["status"] == "accepted", r.text
    http_number = r.json()["tracking_number"]
    world.appeal_id = r.json()["appeal_id"]
    r = await intake.post("/v1/appeals", json=submission("private", "dadong", private=True), headers=adapter)
    assert r.status_code == 201 and r.json()["status"] == "accepted", r.text
    world.private_number = r.json()["tracking_number"]

    body = submission("kafka", "shenhe")
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS),
                  [(body["channel_message_id"].encode(), __import__("json").dumps(body).encode(), [])])

    key = await publication.post("/v1/admin/open311/keys", headers=token(settings, "admin"),
                                 json={"client_name": "security-test"})
    assert key.status_code == 201, key.text
    r = await publication.post("/open311/v2/requests.json", data={
        "api_key": key.json()["api_key"], "service_code": "CC-prices", "description": description("open311"),
        "address_string": "皇姑区北陵大街", "first_name": "伟民", "last_name": "欧阳", "phone": PHONE})
    assert r.status_code == 201, r.text

    kafka_number = (await world.intake_row("kafka"))["tracking_number"]
    open311_number = (await world.intake_row("open311"))["tracking_number"]
    world.public_numbers = [http_number, kafka_number, open311_number]
    for number in world.public_numbers:
        await world.public_status(number)

    row = await conn.fetchrow("SELECT unit_code FROM routing.transfers WHERE appeal_id = $1",
                              uuid.UUID(world.appeal_id))
    world.unit_code, world.tracking_number = row["unit_code"], http_number
    assert world.unit_code != OTHER_UNIT_CODE
    # the unit signs and replies with personal data in the reply; the petitioner rates it
    for number in (http_number, kafka_number):
        appeal_id = (await conn.fetchrow("SELECT appeal_id FROM intake.appeals WHERE tracking_number = $1",
                                         number))["appeal_id"]
        unit = await conn.fetchval("SELECT unit_code FROM routing.transfers WHERE appeal_id = $1", appeal_id)
        headers = token(settings, "unit", unit)
        base = f"/v1/units/{unit}/appeals/{appeal_id}"
        assert (await routing.post(f"{base}/sign", headers=headers, json={"action_id": f"s-{number}"})
                ).status_code == 200
        r = await routing.post(f"{base}/reply", headers=headers, json={
            "action_id": f"r-{number}", "outcome": "solved",
            "reply": f"已联系{NAME}（{PHONE}，{EMAIL}），车辆{PLATE}的问题已处理。{SCRIPT}"})
        assert r.status_code == 200, r.text
        await world.public_status(number, "replied")
    world.http_number = http_number  # type: ignore[attr-defined]
    # the petitioner rates with the evaluation token that reached their phone with the reply
    reply = await sms.wait_for(lambda m: m.kind == "reply" and m.tracking_number == kafka_number)
    r = await publication.post(f"/v1/public/appeals/{kafka_number}/evaluation", json={
        "satisfaction": "satisfied", "solved": True, "evaluation_token": reply.code,
        "comment": f"{NAME}很满意，电话{PHONE}，{SCRIPT}"})
    assert r.status_code == 201, r.text
    await world.public_status(kafka_number, "evaluated")
    await asyncio.sleep(1.0)  # let the feed and assessment catch up with the last events
    return world


@pytest.fixture(scope="module")
async def world(settings):
    conn = await asyncpg.connect(settings.database_url)
    try:
        async with platform(settings) as clients, sms_inbox(settings) as sms:
            yield await build_world(settings, clients, conn, sms)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def routes(world):
    return [r for s in SERVICES for r in all_routes(s, world.clients[s].app)]


def path_of(route: Route, world: World, unit_code: str | None = None) -> str:
    values = {"appeal_id": world.appeal_id, "unit_code": unit_code or world.unit_code,
              "tracking_number": world.tracking_number, "year": "2027", "extension_id": str(uuid.uuid4()),
              "code": "NOSUCH-UNIT", "rule_id": "no-such-rule", "period": "2001-01", "fmt": "json",
              "name": "CC-prices.json", "entry_id": str(uuid.uuid4()), "order_id": str(uuid.uuid4())}
    path = route.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"{route}: no value for a path parameter; add one to path_of"
    return path


async def call(world: World, route: Route, headers: dict | None, unit_code: str | None = None):
    client = world.clients[route.service]
    doc = client.app.openapi()
    schema = json_body_schema(route, doc)
    params = required_query(route, doc)
    names = {p["name"] for p in route.operation.get("parameters", []) if p.get("in") == "query"}
    if "period" in names:  # assessment's drill-down needs a period or a date range
        params.setdefault("period", "2026-11")
    kwargs = {"params": params, "headers": headers or {}}
    if schema is not None:
        kwargs["json"] = example(schema, doc)
    return await client.request(route.method, path_of(route, world, unit_code), **kwargs)


def refusal_problems(route: Route, response, expected: set[int], what: str) -> list[str]:
    code = response.status_code
    if code in expected:
        return []
    return [f"{route} with {what}: {code} (expected {sorted(expected)}) {response.text[:160]}"]


# --- tests -------------------------------------------------------------------------------------

async def test_every_route_is_public_by_documentation_or_has_its_roles_written_down(routes):
    protected = {key_of(r) for r in routes if not is_public(r)}
    assert protected - set(ALLOWED) == set(), "routes without documented roles: add them to ALLOWED"
    assert set(ALLOWED) - protected == set(), "ALLOWED names routes that no longer exist (or became public)"
    for route in routes:  # the OpenAPI document declares the bearer scheme for each protected route
        if not is_public(route) and route.operation:
            assert route.operation.get("security"), f"{route} does not declare its bearer security"


async def test_protected_routes_refuse_missing_expired_and_forged_tokens(world, routes):
    problems = []
    bad_tokens = forged_tokens(world.settings)
    for route in (r for r in routes if not is_public(r)):
        problems += refusal_problems(route, await call(world, route, None), {401}, "no token")
        problems += refusal_problems(route, await call(world, route, {"Authorization": "Basic eDp5"}), {401},
                                     "a Basic header")
        for what, bad in bad_tokens.items():
            response = await call(world, route, {"Authorization": f"Bearer {bad}"})
            problems += refusal_problems(route, response, {401}, f"a token ({what})")
            assert "WWW-Authenticate" in response.headers or response.status_code != 401
            if response.status_code == 401:  # why stays in the log: no library text to the caller
                assert response.json() == {"detail": "invalid or expired token"}, (route, what, response.text)
    assert problems == []


async def test_a_token_issued_for_one_service_is_refused_at_every_other(world, routes):
    """An admin token whose audience is routing opens routing's admin routes and no other service's."""
    problems = []
    for route in (r for r in routes if not is_public(r) and "admin" in ALLOWED[key_of(r)]):
        for audience_of in SERVICES:
            headers = {"Authorization": "Bearer " + issue_token(world.settings, "aud-test", "admin",
                                                                audience=world.settings.audience_for(audience_of))}
            response = await call(world, route, headers)
            if audience_of == route.service:
                if response.status_code in (401, 403):
                    problems.append(f"{route}: its own audience refused ({response.status_code})")
            else:
                problems += refusal_problems(route, response, {401}, f"a token for {audience_of}")
    assert problems == []


async def test_every_response_carries_the_security_headers(world, routes):
    """CSP, framing, sniffing and referrer headers on the API and on every HTML page; no HSTS in
    a test or development run (it would pin a developer's browser to HTTPS on 127.0.0.1)."""
    pages = [("publication", "/public"), ("publication", "/public/inquiry"), ("publication", "/public?lang=en"),
             ("assessment", "/dashboard"), ("intake", "/healthz"), ("routing", "/openapi.json")]
    pages += [(r.service, path_of(r, world, world.unit_code)) for r in routes if r.method == "GET"][:20]
    for service, path in pages:
        response = await world.clients[service].get(path)
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], (service, path)
        assert "script-src 'self'" in headers["content-security-policy"], (service, path)
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers
        if headers.get("content-type", "").startswith("text/html"):
            assert "<script" not in response.text or "src=" in response.text, (service, path)


async def test_protected_routes_refuse_every_other_role(world, routes):
    problems, checked = [], 0
    for route in (r for r in routes if not is_public(r)):
        for role in sorted(set(ROLES) - ALLOWED[key_of(route)]):
            unit = world.unit_code if role == "unit" else None
            response = await call(world, route, token(world.settings, role, unit))
            problems += refusal_problems(route, response, {403}, f"role {role}")
            checked += 1
    assert problems == [] and checked > 60


async def test_unit_routes_refuse_another_units_appeal(world, routes):
    """TAX's token on SAMR's appeal: through SAMR's path (scope check) and through its own path
    (ownership check); 404 wherever the appeal's existence must not be revealed."""
    problems = []
    other = token(world.settings, "unit", OTHER_UNIT_CODE)
    unit_routes = [r for r in routes if not is_public(r) and "unit" in ALLOWED[key_of(r)]]
    for route in unit_routes:
        if "{unit_code}" not in route.path and "{appeal_id}" not in route.path:
            continue  # not scoped to a unit or an appeal (the directory, the calendar)
        assert key_of(route) in OTHER_UNIT, f"{route}: what does another unit get? add it to OTHER_UNIT"
        expected = OTHER_UNIT[key_of(route)]
        response = await call(world, route, other)
        problems += refusal_problems(route, response, {expected}, f"{OTHER_UNIT_CODE}'s token on "
                                     f"{world.unit_code}'s appeal")
        if "{unit_code}" in route.path and "{appeal_id}" in route.path:
            response = await call(world, route, other, unit_code=OTHER_UNIT_CODE)
            problems += refusal_problems(route, response, {404}, f"{OTHER_UNIT_CODE}'s own path, "
                                         f"{world.unit_code}'s appeal")
    assert problems == []
    # and the owner's token does reach the appeal (so the 404s above are about scope)
    own = token(world.settings, "unit", world.unit_code)
    r = await world.clients["routing"].get(f"/v1/units/{world.unit_code}/appeals/{world.appeal_id}", headers=own)
    assert r.status_code in (200, 404)  # replied appeals leave the inbox
    r = await world.clients["sla"].get(f"/v1/deadlines/{world.appeal_id}/explanation", headers=own)
    assert r.status_code == 200, r.text
    inbox = await world.clients["routing"].get(f"/v1/units/{OTHER_UNIT_CODE}/appeals", headers=other)
    assert inbox.status_code == 200 and world.appeal_id not in inbox.text


async def public_responses(world: World) -> dict[str, str]:
    """Every public read endpoint, answered for the appeals of the world."""
    pub, assessment = world.clients["publication"], world.clients["assessment"]
    gets = ["/v1/public/appeals?page_size=100", "/v1/public/feed?limit=500", "/open311/v2/services.json",
            "/open311/v2/requests.json?page_size=100", "/open311/v2/requests.xml?page_size=100",
            "/open311/v2/requests.json?status=closed", "/public", "/public?lang=en", "/public/inquiry"]
    for number in [*world.public_numbers, world.private_number]:
        gets += [f"/v1/public/appeals/{number}", f"/open311/v2/requests/{number}.json",
                 f"/open311/v2/requests/{number}.xml", f"/public/appeals/{number}",
                 f"/public/appeals/{number}?lang=en",
                 f"/open311/v2/requests.json?service_request_id={number}"]
    bodies = {}
    for path in gets:
        r = await pub.get(path)
        assert r.status_code < 500, f"{path}: {r.status_code}"
        bodies[f"publication {path}"] = r.text
    for number in world.public_numbers:
        r = await pub.post(f"/v1/public/appeals/{number}/inquiry", json={"inquiry_code": "AAAA-BBBB"})
        bodies[f"publication inquiry {number}"] = r.text
    month = __import__("datetime").datetime.now(__import__("datetime").UTC).strftime("%Y-%m")
    for path in (f"/v1/scores?period={month}", f"/v1/scores.csv?period={month}", f"/dashboard?period={month}",
                 "/v1/weights", "/v1/periods"):
        r = await assessment.get(path)
        assert r.status_code < 500, f"{path}: {r.status_code}"
        bodies[f"assessment {path}"] = r.text
    return bodies


async def test_public_responses_never_contain_personal_data(world):
    bodies = await public_responses(world)
    # the appeals are really there (so the scan is not vacuous)
    listing = bodies["publication /v1/public/appeals?page_size=100"]
    assert all(number in listing for number in world.public_numbers)
    assert all(number in bodies["publication /v1/public/feed?limit=500"] for number in world.public_numbers)
    assert "已处理" in bodies[f"publication /v1/public/appeals/{world.tracking_number}"]  # the redacted reply
    leaks = {where: found for where, body in bodies.items() if (found := pii_in(body))}
    assert leaks == {}
    # the public feed on Kafka too
    from tests.integration.helpers import read_topic
    records = await read_topic(world.settings.kafka_bootstrap, world.settings.topic(topics.PUBLIC), expect=10**6,
                               match=lambda rec: any(n.encode() in (rec.key or b"") for n in world.public_numbers),
                               timeout=3)
    assert records, "no PublicAppealUpdated for the world's appeals"
    assert [pii_in(rec.value.decode()) for rec in records if pii_in(rec.value.decode())] == []


async def test_private_appeal_is_never_listed(world):
    bodies = await public_responses(world)
    shown = [where for where, body in bodies.items() if world.private_number in body
             and world.private_number not in where]
    assert shown == []
    r = await world.clients["publication"].get(f"/v1/public/appeals/{world.private_number}")
    unknown = await world.clients["publication"].get("/v1/public/appeals/SY20261128ZZZZZZZZ")
    assert r.status_code == unknown.status_code == 404 and r.json() == unknown.json()


# --- only the right people act: channels, the web entrance, the petitioner's rating ------------

async def evaluation_count(world: World, number: str) -> int:
    return await world.conn.fetchval(
        "SELECT count(*) FROM publication.evaluations e JOIN publication.public_appeals p USING (appeal_id)"
        " WHERE p.tracking_number = $1", number)


async def test_a_stranger_with_the_tracking_number_cannot_rate(world):
    pub, number = world.clients["publication"], world.http_number
    await world.public_status(number, "replied")
    unknown = await pub.post("/v1/public/appeals/SY20261128ZZZZZZZZ/evaluation",
                             json={"satisfaction": "dissatisfied", "solved": False})
    attempts = [{}, {"evaluation_token": "AAAA-BBBB-CCCC-DDDD"}, {"inquiry_code": "ABCD-EFGH"},
                {"evaluation_token": (await world.sms.wait_for(
                    lambda m: m.kind == "reply" and m.tracking_number != number)).code}]  # another appeal's
    for credential in attempts:
        r = await pub.post(f"/v1/public/appeals/{number}/evaluation",
                           json={"satisfaction": "dissatisfied", "solved": False, **credential})
        assert (r.status_code, r.json()) == (unknown.status_code, unknown.json()) == (404, unknown.json())
    # the web form answers a stranger the same way
    page = await pub.post(f"/public/appeals/{number}/evaluation",
                          data={"satisfaction": "dissatisfied", "solved": "false"})
    assert page.status_code == 404
    # nothing changed: no rating, the appeal is still replied (not reopened)
    assert await evaluation_count(world, number) == 0
    assert (await pub.get(f"/v1/public/appeals/{number}")).json()["status"] == "replied"
    state = await world.conn.fetchval("SELECT state FROM routing.transfers WHERE appeal_id = $1",
                                      uuid.UUID(world.appeal_id))
    assert state == "replied"


async def test_an_expired_evaluation_token_is_refused_and_a_valid_one_accepted(world):
    pub, number = world.clients["publication"], world.http_number
    reply = await world.sms.wait_for(lambda m: m.kind == "reply" and m.tracking_number == number)
    assert reply.code and reply.code in reply.text  # (the unit's reply goes to the petitioner unredacted)
    # a new quarter hour for the guess limits (5 per number): the tests before guessed on this number
    await world.conn.execute("DELETE FROM publication.inquiry_attempts")
    # the token is kept only as a keyed hash
    stored = await world.conn.fetch("SELECT token_hash FROM publication.evaluation_tokens WHERE appeal_id = $1",
                                    uuid.UUID(world.appeal_id))
    assert len(stored) == 1 and reply.code not in stored[0]["token_hash"]
    await world.conn.execute("UPDATE publication.evaluation_tokens SET expires_at = now() - interval '1 minute'"
                             " WHERE appeal_id = $1", uuid.UUID(world.appeal_id))
    body = {"satisfaction": "satisfied", "solved": True, "evaluation_token": reply.code}
    r = await pub.post(f"/v1/public/appeals/{number}/evaluation", json=body)
    assert r.status_code == 404 and await evaluation_count(world, number) == 0
    await world.conn.execute("UPDATE publication.evaluation_tokens SET expires_at = now() + interval '1 day'"
                             " WHERE appeal_id = $1", uuid.UUID(world.appeal_id))
    # typed from the SMS in lower case without dashes: still the petitioner's token
    r = await pub.post(f"/v1/public/appeals/{number}/evaluation",
                       json={**body, "evaluation_token": reply.code.replace("-", "").lower()})
    assert r.status_code == 201, r.text
    assert await evaluation_count(world, number) == 1


def channel_submission(channel: str) -> dict:
    return {"channel": channel, "channel_message_id": f"imp-{channel}-{uuid.uuid4()}", "district": "heping",
            "appeal_type": "consumer_complaint", "category": "prices", "description": "超市乱收费，标价和结账价不一致。",
            "petitioner": {"name": "周杰", "phone": "13700005555"}}


async def stored(world: World, body: dict) -> int:
    return await world.conn.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id = $1",
                                     body["channel_message_id"])


async def test_channel_impersonation_is_refused_and_changes_nothing(world):
    intake, s = world.clients["intake"], world.settings
    refusals = []
    forged_answers: set[str] = set()  # every refused token gets one answer: which part was wrong stays unsaid
    for channel in ("phone", "phone_business_line", "app"):
        body = channel_submission(channel)
        others = tuple(c for c in ("phone", "phone_business_line", "app", "web") if c != channel)
        # (an operator files the phone lines' calls: the centre's call-takers answer them)
        cases = [("no token", {}, 401), ("channel A's token for B", token(s, "channel", channels=others), 403),
                 *([("an operator", token(s, "operator"), 403)] if channel == "app" else []),
                 ("a unit", token(s, "unit", "SAMR"), 403),
                 *((f"forged ({what})", {"Authorization": f"Bearer {bad}"}, 401)
                   for what, bad in forged_tokens(s).items())]
        for what, headers, expected in cases:
            r = await intake.post("/v1/appeals", json=body, headers=headers)
            if r.status_code != expected:
                refusals.append(f"{channel} with {what}: {r.status_code} {r.text[:100]}")
            elif "13700005555" in r.text:
                refusals.append(f"{channel} with {what}: says too much: {r.text[:100]}")
            elif what.startswith("forged"):
                forged_answers.add(r.text)
        assert await stored(world, body) == 0, f"{channel}: a refused submission was stored"
        r = await intake.post("/v1/appeals", json=body, headers=token(s, "channel", channels=(channel,)))
        assert r.status_code == 201, r.text
    assert refusals == []
    assert len(forged_answers) == 1, f"refused tokens are told apart: {sorted(forged_answers)}"
    # the web channel without a token is the anonymous entrance: it needs the phone confirmation
    body = channel_submission("web")
    r = await intake.post("/v1/appeals", json=body)
    assert r.status_code == 401 and await stored(world, body) == 0


async def confirmation(world: World, client, phone: str) -> tuple[str, str]:
    r = await client.post("/v1/web/phone-confirmations", json={"phone": phone})
    assert r.status_code == 202, r.text
    cid = r.json()["confirmation_id"]
    sms = await world.sms.wait_for(lambda m: m.kind == "phone_confirmation" and str(m.notification_id) == cid)
    assert sms.code in sms.text and phone not in sms.text
    return cid, sms.code


async def test_a_confirmation_code_proves_the_phone_once(world):
    from tests.integration.test_security_support import transport_client
    app = world.clients["intake"].app
    async with transport_client(app, "intake", address="192.0.2.10") as web:
        phone = "139" + str(uuid.uuid4().int)[:8]
        cid, code = await confirmation(world, web, phone)
        body = {**channel_submission("web"), "petitioner": {"name": "周杰", "phone": phone}}
        wrong = str((int(code) + 1) % 10**6).zfill(6)
        for headers, expected in (({}, 401), ({"X-Confirmation-Id": cid, "X-Confirmation-Code": wrong}, 403),
                                  ({"X-Confirmation-Id": str(uuid.uuid4()), "X-Confirmation-Code": code}, 403)):
            r = await web.post("/v1/appeals", json=body, headers=headers)
            assert r.status_code == expected and await stored(world, body) == 0
        proof = {"X-Confirmation-Id": cid, "X-Confirmation-Code": code}
        # another phone's confirmation does not prove this phone
        other = {**body, "petitioner": {"name": "周杰", "phone": "13700006666"}}
        assert (await web.post("/v1/appeals", json=other, headers=proof)).status_code == 403
        first = await web.post("/v1/appeals", json=body, headers=proof)
        assert first.status_code == 201, first.text
        # the same submission again (a retry) replays; another submission with the used code is refused
        replay = await web.post("/v1/appeals", json=body, headers=proof)
        assert replay.status_code == 200 and replay.json()["tracking_number"] == first.json()["tracking_number"]
        reused = {**body, "channel_message_id": f"reuse-{uuid.uuid4()}"}
        r = await web.post("/v1/appeals", json=reused, headers=proof)
        assert r.status_code == 403 and await stored(world, reused) == 0
        # guesses are limited: after too many wrong codes even the right one fails
        cid, code = await confirmation(world, web, phone)
        fresh = {**body, "channel_message_id": f"guess-{uuid.uuid4()}"}
        for _ in range(world.settings.confirmation_max_attempts):
            await web.post("/v1/appeals", json=fresh, headers={"X-Confirmation-Id": cid, "X-Confirmation-Code": wrong})
        r = await web.post("/v1/appeals", json=fresh, headers={"X-Confirmation-Id": cid, "X-Confirmation-Code": code})
        assert r.status_code == 403 and await stored(world, fresh) == 0


async def test_a_flood_from_one_client_gets_429_without_slowing_channels(world):
    from tests.integration.test_security_support import transport_client
    app, s = world.clients["intake"].app, world.settings
    async with transport_client(app, "intake", address="198.51.100.7") as flood:
        answers = [await flood.post("/v1/web/phone-confirmations", json={"phone": f"1390000{i:04d}"})
                   for i in range(s.web_limit_per_client + 5)]
        codes = [a.status_code for a in answers]
        assert codes[:s.web_limit_per_client] == [202] * s.web_limit_per_client
        assert set(codes[s.web_limit_per_client:]) == {429}
        assert int(answers[-1].headers["Retry-After"]) >= 1
        body = channel_submission("web")
        r = await flood.post("/v1/appeals", json=body, headers={"X-Confirmation-Id": str(uuid.uuid4()),
                                                                "X-Confirmation-Code": "123456"})
        assert r.status_code == 429 and await stored(world, body) == 0
        # an authenticated channel from the same address is not limited
        r = await flood.post("/v1/appeals", json=channel_submission("app"), headers=token(s, "channel"))
        assert r.status_code == 201, r.text
    # one phone: its own limit, whatever the client addresses
    phone = "139" + str(uuid.uuid4().int)[:8]
    statuses = []
    for i in range(s.web_limit_per_phone + 2):
        async with transport_client(app, "intake", address=f"203.0.113.{i + 1}") as c:
            statuses.append((await c.post("/v1/web/phone-confirmations", json={"phone": phone})).status_code)
    assert statuses == [202] * s.web_limit_per_phone + [429, 429]
