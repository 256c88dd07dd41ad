"""Hostile input: every mutating HTTP endpoint fuzzed with hypothesis (bodies built from the
OpenAPI request schemas, then broken), the two Kafka entrances flooded with malformed records.
Only clear 4xx (or 2xx) answers, no tracebacks, every bad record dead-lettered with a reason,
consumers alive, tables intact, and script text escaped on the public web page."""

import json
import random
import uuid
from typing import Any
from urllib.parse import urlencode

import asyncpg
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shared.contracts import topics
from shared.contracts.topics import dead_letter_topic
from shared.runtime import create_app
from shared.settings import Settings
from tests.integration.helpers import eventually, produce, read_topic
from tests.integration.test_security_access_matrix import ALLOWED, is_public, key_of
from tests.integration.test_security_support import (
    SCRIPT,
    SERVICES,
    TRACEBACK,
    Route,
    all_routes,
    json_body_schema,
    platform,
    resolve,
    spec_of,
    token,
)

ROUTES = [r for s in SERVICES for r in all_routes(s, create_app(spec_of(s), Settings(env="test")))]
MUTATING = [r for r in ROUTES if r.method in ("POST", "PUT", "DELETE", "PATCH")]
FORM_ROUTES = {("publication", "POST", "/open311/v2/requests.{fmt}"), ("publication", "POST", "/public/inquiry"),
               ("publication", "POST", "/public/appeals/{tracking_number}/evaluation"),
               ("publication", "POST", "/public/submit"), ("publication", "POST", "/public/submit/code"),
               ("publication", "POST", "/public/submit/answer")}

HOSTILE_STRINGS = [
    "'; DROP TABLE appeals; --", "' OR '1'='1", "1; SELECT pg_sleep(5)--", "\\\\x00'\"`;",
    SCRIPT, "<img src=x onerror=alert(1)>", "\"><svg/onload=alert(1)>", "{{7*7}}", "${jndi:ldap://x/a}",
    "a\x00b", "\x00", "１３８１２３４５６７８", "２０２７", "😀🔥" * 20, "\u202e\u200b\ufeff", "\ud800",
    "x" * 100_000, "和平区" * 3000, "", " ", "null", "-1", "9" * 400, "SY20261128ZZZZZZZZ", "../../etc/passwd",
]
RAW_BODIES = [
    b"\xff\xfe\xfa not utf-8", b"\xc3\x28", b"{\"a\": \"\xed\xa0\x80\"}", b"[" * 1000 + b"]" * 1000,
    b"{\"a\":" * 1000 + b"1" + b"}" * 1000, b"{", b"", b"null", b"[]", b"1e999999", b"\"" + b"x" * 100_000 + b"\"",
    b"{\"a\": NaN}", b"\x00" * 64,
]


def deep(levels: int = 1000):
    value: object = "x"
    for _ in range(levels):
        value = {"a": value}
    return value


# deep() is built afresh for each draw: `mutated` edits a drawn dict in place, and one shared
# object once edited into itself made a circular body.
hostile = st.one_of(
    st.sampled_from(HOSTILE_STRINGS), st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.none(),
    st.floats(allow_nan=False, allow_infinity=False), st.builds(deep, st.just(400)), st.just([[[[[]]]]] * 3),
    st.lists(st.sampled_from(HOSTILE_STRINGS), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5),
                                                                            max_size=3),
)


def from_schema(schema: dict, doc: dict, depth: int = 0) -> st.SearchStrategy:
    """Values of a JSON schema, leaning to the hostile strings for text."""
    schema = resolve(schema, doc)
    if depth > 4:
        return st.none()
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, doc, depth + 1) for s in schema[key]])
    if "allOf" in schema:
        return from_schema(schema["allOf"][0], doc, depth + 1)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v, doc, depth + 1) for k, v in props.items() if k in required},
            optional={k: from_schema(v, doc, depth + 1) for k, v in props.items() if k not in required})
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), doc, depth + 1), max_size=3)
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum", -5), max_value=schema.get("maximum", 100))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=1000)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if schema.get("format") == "uuid":
        return st.uuids().map(str)
    if schema.get("format") == "date":
        return st.dates().map(str)
    return st.one_of(st.text(max_size=min(schema.get("maxLength", 40), 40)), st.sampled_from(HOSTILE_STRINGS))


@st.composite
def mutated(draw, base: st.SearchStrategy):
    """A schema-shaped body, then maybe broken: a field replaced, dropped or added, or all of it."""
    value = draw(base)
    how = draw(st.sampled_from(["keep", "replace", "drop", "add", "whole"]))
    if isinstance(value, dict) and value and how in ("replace", "drop"):
        key = draw(st.sampled_from(sorted(value)))
        if how == "drop":
            value.pop(key)
        else:
            value[key] = draw(hostile)
    elif how == "add" and isinstance(value, dict):
        value[draw(st.sampled_from(["__proto__", "id", "role", "unit_code", "$where"]))] = draw(hostile)
    elif how == "whole":
        value = draw(hostile)
    return value


# --- the world ---------------------------------------------------------------------------------

class World:
    pass


@pytest.fixture(scope="module")
async def world(settings):
    conn = await asyncpg.connect(settings.database_url)
    try:
        async with platform(settings) as clients:
            w = World()
            w.settings, w.clients, w.conn = settings, clients, conn
            intake = clients["intake"]
            held = await intake.post("/v1/appeals", headers=token(settings, "channel"), json={
                "channel": "app", "channel_message_id": f"fuzz-held-{uuid.uuid4()}", "district": "heping",
                "description": "想问一下这个事情怎么办", "petitioner": {"name": "孙丽", "phone": "13700002222"}})
            assert held.status_code == 202, held.text
            w.held_id = held.json()["appeal_id"]
            r = await intake.post("/v1/appeals", headers=token(settings, "channel"), json={
                "channel": "app", "channel_message_id": f"fuzz-open-{uuid.uuid4()}", "district": "tiexi",
                "appeal_type": "consumer_complaint", "category": "prices",
                "description": f"铁西区一家超市乱收费，标价和结账价格不一致。{SCRIPT}",
                "petitioner": {"name": "钱多多", "phone": "13700003333"}})
            assert r.status_code == 201, r.text
            w.appeal_id, w.tracking_number = r.json()["appeal_id"], r.json()["tracking_number"]

            async def dispatched() -> bool:
                w.unit_code = await conn.fetchval("SELECT unit_code FROM routing.transfers WHERE appeal_id = $1",
                                                  uuid.UUID(w.appeal_id))
                return w.unit_code is not None
            await eventually(dispatched, timeout=40, what="the fuzz appeal to be dispatched")
            w.tables = await tables(conn)
            yield w
    finally:
        await conn.close()


async def tables(conn) -> set[tuple[str, str]]:
    rows = await conn.fetch("SELECT table_schema, table_name FROM information_schema.tables "
                            "WHERE table_schema = ANY($1::text[])", list(SERVICES))
    return {(r["table_schema"], r["table_name"]) for r in rows}


def headers_for(route: Route, world) -> dict:
    if is_public(route):
        return {}
    roles = sorted(ALLOWED[key_of(route)])
    role = "unit" if "unit" in roles else roles[0]
    return token(world.settings, role, world.unit_code if role == "unit" else None)


def path_for(route: Route, world, fuzz: str) -> str:
    values = {"appeal_id": world.held_id if route.service == "intake" else world.appeal_id,
              "unit_code": world.unit_code, "tracking_number": world.tracking_number,
              # far-away or made-up targets, so the fuzzer never edits data other tests rely on
              "year": "2099", "extension_id": str(uuid.uuid4()), "code": f"FUZZ-{fuzz}", "rule_id": f"fuzz-{fuzz}",
              "period": "2001-01", "fmt": "json", "name": "x.json"}
    path = route.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def check_response(route: Route, response, sent: str) -> None:
    where = f"{route} <- {sent[:200]!r}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    assert 200 <= response.status_code < 500
    assert not TRACEBACK.search(response.text), f"{where}: traceback text in the answer"
    kind = response.headers.get("content-type", "")
    if key_of(route) in FORM_ROUTES and route.path.startswith("/public"):
        assert "text/html" in kind, f"{where}: {kind}"
    elif response.content:
        assert "json" in kind, f"{where}: {kind}"
        response.json()


body_kinds = st.sampled_from(["schema", "schema", "schema", "raw", "form"])


@pytest.mark.parametrize("route", MUTATING, ids=str)
@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
           derandomize=True)
@given(data=st.data())
async def test_mutating_endpoint_answers_hostile_input_with_a_clear_4xx(world, route, data):
    client = world.clients[route.service]
    doc = client.app.openapi()
    schema = json_body_schema(route, doc)
    fuzz = data.draw(st.sampled_from(["A", "B", "1"]))
    headers = headers_for(route, world)
    kind = data.draw(body_kinds)
    query = data.draw(st.dictionaries(st.sampled_from(["reason", "lang", "page", "x"]), st.sampled_from(
        HOSTILE_STRINGS[:15]), max_size=2))
    if kind == "raw":
        raw = data.draw(st.sampled_from(RAW_BODIES))
        ctype = data.draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]))
        request = {"content": raw, "headers": {**headers, "content-type": ctype}}
        sent = repr(raw[:100])
    elif kind == "form" or key_of(route) in FORM_ROUTES:
        form = data.draw(st.dictionaries(
            st.sampled_from(["api_key", "service_code", "description", "address_string", "first_name",
                             "last_name", "phone", "tracking_number", "inquiry_code", "satisfaction", "solved",
                             "comment", "attribute[district]", "evaluation_token", "name", "district",
                             "appeal_type", "private", "confirmation_id", "code"]),
            st.one_of(st.sampled_from(HOSTILE_STRINGS), st.sampled_from(["CC-prices", "和平区", "satisfied",
                                                                       "true", world.tracking_number])),
            max_size=8))
        encoded = urlencode(form, encoding="utf-8", errors="surrogatepass").encode()
        request = {"content": encoded, "headers": {**headers, "content-type": "application/x-www-form-urlencoded"}}
        sent = repr(form)[:200]
    else:
        value = data.draw(mutated(from_schema(schema, doc) if schema else hostile))
        text = json.dumps(value, ensure_ascii=data.draw(st.booleans()))
        request = {"content": text.encode("utf-8", "surrogatepass"),
                   "headers": {**headers, "content-type": "application/json"}}
        sent = text[:200]
    response = await client.request(route.method, path_for(route, world, fuzz), params=query, **request)
    check_response(route, response, sent)


def with_every_string(value, text: str):
    if isinstance(value, str):
        return text
    if isinstance(value, dict):
        return {k: with_every_string(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [with_every_string(v, text) for v in value]
    return value


@pytest.mark.parametrize("text", ["a\x00b", "'; DROP TABLE appeals; --", "x" * 100_000, "１２３😀"])
async def test_every_string_field_of_every_body_at_once(world, text):
    """The schema's example with every string replaced: NUL bytes, SQL, 100k characters, full width."""
    from tests.integration.test_security_support import example
    problems = []
    for route in MUTATING:
        client = world.clients[route.service]
        doc = client.app.openapi()
        schema = json_body_schema(route, doc)
        if schema is None:
            continue
        body = with_every_string(example(schema, doc), text)
        response = await client.request(route.method, path_for(route, world, "N"), json=body,
                                        headers=headers_for(route, world))
        if response.status_code >= 500 or TRACEBACK.search(response.text):
            problems.append(f"{route}: {response.status_code} {response.text[:120]}")
    assert not problems, "\n".join(problems)


async def test_after_the_fuzzing_tables_exist_and_services_answer(world):
    assert await tables(world.conn) == world.tables
    for name, client in world.clients.items():
        health = await client.get("/healthz")
        assert health.status_code == 200, (name, health.text)
        assert (await client.get("/readyz")).status_code == 200, name
    # nothing the fuzzer touched in the directory stays behind
    routing, op = world.clients["routing"], token(world.settings, "operator")
    directory = (await routing.get("/v1/directory", headers=op)).json()
    for rule in (r for r in directory["rules"] if str(r.get("rule_id", r.get("id", ""))).startswith("fuzz-")):
        rid = rule.get("rule_id", rule.get("id"))
        await routing.delete(f"/v1/directory/rules/{rid}", headers=op, params={"reason": "fuzz cleanup"})
    for unit in (u for u in directory["units"] if str(u.get("code", "")).startswith("FUZZ-")):
        await routing.delete(f"/v1/directory/units/{unit['code']}", headers=op, params={"reason": "fuzz cleanup"})


async def test_script_text_is_escaped_on_the_public_web_page(world):
    pub = world.clients["publication"]

    async def public() -> bool:
        return (await pub.get(f"/public/appeals/{world.tracking_number}")).status_code == 200
    await eventually(public, timeout=40, what="the fuzz appeal on the public page")
    page = await pub.get(f"/public/appeals/{world.tracking_number}")
    assert SCRIPT not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    # the rating form shows a refused comment back: escaped too
    r = await pub.post(f"/public/appeals/{world.tracking_number}/evaluation",
                       data={"comment": f"不满意{SCRIPT}<img src=x onerror=alert(2)>", "satisfaction": "bogus"})
    assert r.status_code in (409, 422) and "text/html" in r.headers["content-type"]
    assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
    listing = await pub.get("/public")
    assert SCRIPT not in listing.text


# --- the Kafka entrances ---------------------------------------------------------------------------

def bad_submissions(rng: random.Random, run: str, n: int) -> list[tuple[bytes, bytes, list]]:
    good = {"channel": "web", "channel_message_id": "m", "district": "heping", "description": "超市乱收费",
            "petitioner": {"name": "赵强", "phone": "13700001111"}}
    breakers = [
        lambda b: b.pop("petitioner"), lambda b: b.pop("description"), lambda b: b.pop("channel"),
        lambda b: b.update(channel=rng.choice(["fax", 7, None, SCRIPT])),
        lambda b: b.update(petitioner={"name": "赵强", "phone": rng.choice(["12", "'; DROP TABLE appeals; --",
                                                                           "２２２", "😀" * 11, "x\x00"])}),
        lambda b: b.update(petitioner=rng.choice([None, "赵强", 5, [], deep(50)])),
        lambda b: b.update(description=rng.choice(["", "x" * 100_000, None, 42, ["a"]])),
        lambda b: b.update(petitioner={"name": "赵强", "phone": "13700001111", "id_number": "210102199003071230"}),
        lambda b: b.update(district=rng.choice(["x" * 500, None, {"a": 1}])),
        lambda b: b.update(private=rng.choice(["maybe", [1]])),
        lambda b: b.update(submitted_at=rng.choice(["yesterday", "2026-13-45", SCRIPT])),
    ]
    records = []
    for i in range(n):
        choice = rng.random()
        if choice < 0.3:
            value = rng.choice(RAW_BODIES[:9] + [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))])
            if value in (b"null", b"[]") or not value:
                value = b"\xff" + value
        elif choice < 0.4:
            value = rng.choice([b"[]", b"1", b"\"a\"", b"null", b"{\"a\":" * 1000 + b"1" + b"}" * 1000])
        else:
            body = json.loads(json.dumps(good))
            for breaker in rng.sample(breakers, rng.randint(1, 3)):
                breaker(body)
            body["channel_message_id"] = f"fuzz-{run}-{i}" if rng.random() < 0.9 else body.get("channel_message_id")
            value = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()
        headers = [("x-fuzz", f"{run}-{i}".encode())]
        if rng.random() < 0.15:
            headers.append(("ce_type", rng.choice([b"hotline.appeal.accepted.v1", b"\xff\xfe", b""])))
        if rng.random() < 0.1:
            headers.append(("ce_id", b"\xc3\x28"))
        records.append((f"fuzz-{run}-{i}".encode(), value, headers))
    return records


def bad_actions(rng: random.Random, run: str, n: int, appeal_id: str, unit: str) -> list[tuple[bytes, bytes, list]]:
    kinds = [b"hotline.unit.sign.v1", b"hotline.unit.return.v1", b"hotline.unit.request-extension.v1",
             b"hotline.unit.reply.v1"]
    records = []
    for i in range(n):
        body: Any = {"action_id": f"fuzz-{run}-{i}", "appeal_id": appeal_id, "unit_code": unit}
        roll = rng.random()
        if roll < 0.2:
            body["appeal_id"] = str(uuid.uuid4())  # no such appeal
        elif roll < 0.35:
            body["unit_code"] = rng.choice(["TAX", "HEALTH", "nope", SCRIPT, "'; DROP TABLE transfers; --"])
        elif roll < 0.5:
            body.pop(rng.choice(["action_id", "appeal_id", "unit_code"]))
        elif roll < 0.6:
            body["appeal_id"] = rng.choice(["x", 5, None, SCRIPT])
        elif roll < 0.7:
            body = rng.choice([[], "x", 7, deep(400)])
        value = json.dumps(body).encode() if roll < 0.85 else rng.choice(RAW_BODIES[:6])
        headers = [("x-fuzz", f"{run}-{i}".encode())]
        kind = rng.choice(kinds)
        if roll >= 0.7 or rng.random() < 0.85:  # a well-formed action of a handled type still needs the right
            headers.append(("ce_type", kind))   # state: reply/extension before signing are refused too
        records.append((f"fuzz-{run}-{i}".encode(), value, headers))
    return records


async def test_kafka_entrances_dead_letter_every_bad_record_and_stay_alive(world):
    settings, rng, run = world.settings, random.Random(12345), uuid.uuid4().hex[:8]
    submissions = bad_submissions(rng, run, 250)
    # actions on an appeal no unit has signed: sign by another unit, reply before signing... all refused.
    # The fuzz appeal itself is left alone: actions use an appeal that does not exist for the right unit.
    ghost = str(uuid.uuid4())
    actions = bad_actions(rng, f"{run}a", 150, ghost, world.unit_code)
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS), submissions)
    await produce(settings.kafka_bootstrap, settings.topic(topics.UNIT_ACTIONS), actions)

    # one valid submission after the flood is accepted: the consumer is alive
    good_id = f"fuzz-good-{run}"
    good = {"channel": "phone", "channel_message_id": good_id, "district": "heping",
            "appeal_type": "consumer_complaint", "category": "prices", "description": "超市乱收费，标价和结账价不一致。",
            "petitioner": {"name": "周杰", "phone": "13700004444"}}
    await produce(settings.kafka_bootstrap, settings.topic(topics.SUBMISSIONS),
                  [(good_id.encode(), json.dumps(good).encode(), [])])
    # and one valid unit action: the unit signs a fresh appeal (the HTTP fuzzer may have moved the other)
    fresh = await world.clients["intake"].post("/v1/appeals", headers=token(settings, "channel"),
                                               json={**good, "channel_message_id": f"fuzz-fresh-{run}",
                                                     "district": "dadong"})
    assert fresh.status_code == 201, fresh.text
    fresh_id = fresh.json()["appeal_id"]

    async def dispatched() -> bool:
        return await world.conn.fetchval("SELECT unit_code FROM routing.transfers WHERE appeal_id = $1",
                                         uuid.UUID(fresh_id)) == world.unit_code
    await eventually(dispatched, timeout=60, what="the fresh appeal to be dispatched")
    sign = {"action_id": f"fuzz-sign-{run}", "appeal_id": fresh_id, "unit_code": world.unit_code}
    await produce(settings.kafka_bootstrap, settings.topic(topics.UNIT_ACTIONS),
                  [(fresh_id.encode(), json.dumps(sign).encode(), [("ce_type", b"hotline.unit.sign.v1")])])

    async def accepted() -> bool:
        return await world.conn.fetchval("SELECT status FROM intake.appeals WHERE channel_message_id = $1",
                                         good_id) == "accepted"

    async def signed() -> bool:
        return await world.conn.fetchval("SELECT state FROM routing.transfers WHERE appeal_id = $1", uuid.UUID(fresh_id)) == "signed"
    await eventually(accepted, timeout=60, what="the valid submission after the flood")
    await eventually(signed, timeout=60, what="the valid sign action after the flood")

    for _topic, sent, service in ((topics.SUBMISSIONS, submissions, "intake"),
                                 (topics.UNIT_ACTIONS, actions, "routing")):
        ours = {dict(h)["x-fuzz"] for _, _, h in sent}
        dead = await read_topic(settings.kafka_bootstrap, settings.topic(dead_letter_topic(service)),
                                expect=len(ours), timeout=60,
                                match=lambda rec, ours=ours: dict(rec.headers).get("x-fuzz") in ours)
        by_id = {dict(rec.headers)["x-fuzz"]: dict(rec.headers) for rec in dead}
        missing = ours - set(by_id)
        assert not missing, f"{service}: {len(missing)} bad records not dead-lettered, e.g. {sorted(missing)[:5]}"
        assert len(dead) == len(ours), f"{service}: a bad record dead-lettered twice"
        assert all(h.get("hotline_dlq_reason") for h in by_id.values())
        assert not any(TRACEBACK.search(h["hotline_dlq_reason"].decode("utf-8", "replace")) for h in by_id.values())
        assert all(h.get("hotline_dlq_service") == service.encode() for h in by_id.values())
    assert await world.conn.fetchval("SELECT count(*) FROM intake.appeals WHERE channel_message_id LIKE $1",
                                     f"fuzz-{run}-%") == 0
