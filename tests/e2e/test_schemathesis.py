"""Schemathesis against the five services as processes: every operation of every service's
OpenAPI document, fuzzed with schema-valid and schema-breaking requests (paths, queries, headers,
bodies). Only clear 4xx answers (JSON with a reason, or Open311's error list), never a 5xx, and
never a traceback; without a token every protected operation answers 401.

Cases carry a valid token for a role the operation admits (rotated over those roles), so they get
past authentication into validation and the handlers; about one in eight goes without a token.
About half of the cases have their path parameters replaced by objects that exist (a held and a
dispatched appeal, its unit and tracking number, a rule, a pending extension, an Open311 token),
so the handlers' own checks run, not only "not found". Generation is deterministic with a fixed
seed (the same cases on every run) and writes no example database. Integer parameters that the
documents leave unbounded also get values past 64 bits, which a random draw seldom reaches.
"""

import collections
import hashlib
import json
import re
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import httpx
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import HealthCheck

from shared.contracts.local_time import SHANGHAI
from shared.contracts.topics import SERVICES
from shared.runtime import create_app
from shared.settings import Settings
from tests.e2e.conftest import five_services
from tests.integration.test_security_access_matrix import ALLOWED
from tests.integration.test_security_support import TRACEBACK, spec_of
from tests.support import bearer, channel_bearer

pytestmark = pytest.mark.slow  # a chaos/reliability scenario: `make unit` and `make quick` leave it out

PORTS = {name: 18501 + i for i, name in enumerate(SERVICES)}
# Fuzzing-phase examples per operation (the examples and coverage phases add their own cases).
MAX_EXAMPLES = 30
ANONYMOUS_ONE_IN = 8
SEED = 12345


def _document(service: str) -> dict:
    """The OpenAPI document the service serves (the same code builds it here; the processes'
    /openapi.json is compared with it once they run)."""
    return create_app(spec_of(service), Settings(env="test")).openapi()


def _schema(service: str):
    schema = schemathesis.openapi.from_dict(_document(service))
    # deterministic + a fixed seed: the same cases on every run, whatever else changes in this
    # file; "none": no example database (nothing written into the repository)
    schema.config.seed = SEED
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none",
                                    with_security_parameters=False)
    schema.config.update(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                HealthCheck.data_too_large, HealthCheck.large_base_example])
    return schema


DOCUMENTS = {service: _document(service) for service in SERVICES}
SCHEMAS = {service: _schema(service) for service in SERVICES}
CASES: collections.Counter = collections.Counter()  # (service, "METHOD /path") -> cases sent
ANONYMOUS: collections.Counter = collections.Counter()


def url(service: str, path: str = "") -> str:
    return f"http://127.0.0.1:{PORTS[service]}{path}"


# --- the platform and the objects the cases may point at --------------------------------------

class World:
    held_id = appeal_id = tracking_number = unit_code = rule_id = extension_id = open311_token = ""
    year = period = ""


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("services")


@pytest.fixture(scope="module")
def platform(settings, log_dir):
    with five_services(settings, PORTS, log_dir) as services:
        yield services


def _wait(check, what: str, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture(scope="module")
def world(platform, settings) -> World:
    w = World()
    now = datetime.now(UTC).astimezone(SHANGHAI)
    w.year, w.period = str(now.year), now.strftime("%Y-%m")
    operator, admin, supervisor = (bearer(settings, role) for role in ("operator", "admin", "supervisor"))
    run = uuid.uuid4().hex[:8]
    adapter = channel_bearer(settings)
    with httpx.Client(timeout=30) as http:
        held = http.post(url("intake", "/v1/appeals"), headers=adapter, json={
            "channel": "app", "channel_message_id": f"st-held-{run}", "district": "heping",
            "description": "想问一下这个事情怎么办", "petitioner": {"name": "孙丽", "phone": "13700002222"}})
        assert held.status_code == 202, held.text
        w.held_id = held.json()["appeal_id"]
        ids = []
        for i, district in enumerate(("tiexi", "dadong")):
            r = http.post(url("intake", "/v1/appeals"), headers=adapter, json={
                "channel": "web", "channel_message_id": f"st-open-{run}-{i}", "district": district,
                "appeal_type": "consumer_complaint", "category": "prices",
                "description": "一家超市乱收费，标价和结账价格不一致。",
                "petitioner": {"name": "钱多多", "phone": "13700003333"}})
            assert r.status_code == 201, r.text
            ids.append(r.json())
        w.appeal_id, w.tracking_number = ids[0]["appeal_id"], ids[0]["tracking_number"]

        def dispatched(appeal_id: str):
            r = http.get(url("routing", f"/v1/appeals/{appeal_id}"), headers=operator)
            return r.json()["unit_code"] if r.status_code == 200 and r.json().get("unit_code") else None
        w.unit_code = _wait(lambda: dispatched(w.appeal_id), "the fuzz appeal to be dispatched")
        # the second appeal: signed, with an extension request waiting for a supervisor
        other_id = ids[1]["appeal_id"]
        other_unit = _wait(lambda: dispatched(other_id), "the second appeal to be dispatched")
        unit = bearer(settings, "unit", other_unit)
        base = url("routing", f"/v1/units/{other_unit}/appeals/{other_id}")
        assert http.post(f"{base}/sign", headers=unit, json={"action_id": f"st-sign-{run}"}).status_code == 200

        def extension():
            r = http.post(f"{base}/extension", headers=unit, json={
                "action_id": f"st-ext-{run}", "working_days": 5, "reason": "需要现场核查"})
            assert r.status_code in (200, 409), r.text
            listed = http.get(url("sla", "/v1/extensions"), headers=supervisor, params={"unit": other_unit})
            items = listed.json()["items"] if listed.status_code == 200 else []
            return next((str(i.get("extension_id") or i.get("id")) for i in items), None)
        w.extension_id = _wait(extension, "the extension request to reach sla")

        directory = http.get(url("routing", "/v1/directory"), headers=operator).json()
        w.rule_id = str(next(r.get("rule_id", r.get("id")) for r in directory["rules"]))

        key = http.post(url("publication", "/v1/admin/open311/keys"), headers=admin, json={"client_name": "st"})
        assert key.status_code == 201, key.text
        submitted = http.post(url("publication", "/open311/v2/requests.json"), data={
            "api_key": key.json()["api_key"], "service_code": "CC-prices", "description": "超市乱收费",
            "address_string": "皇姑区北陵大街", "first_name": "伟民", "last_name": "欧阳", "phone": "13700004444"})
        assert submitted.status_code == 201, submitted.text
        w.open311_token = submitted.json()[0]["token"]

        def public():
            return http.get(url("publication", f"/v1/public/appeals/{w.tracking_number}")).status_code == 200
        _wait(public, "the fuzz appeal on the public API")
    return w


def real_path_values(world: World, service: str, path: str, pick: int) -> dict[str, str]:
    fmt = ("json", "xml")[pick % 2]
    names = {"/open311/v2/requests/{name}": f"{world.tracking_number}.{fmt}",
             "/open311/v2/services/{name}": f"CC-prices.{fmt}",
             "/open311/v2/tokens/{name}": f"{world.open311_token}.{fmt}"}
    return {"appeal_id": world.held_id if service == "intake" else world.appeal_id,
            "unit_code": world.unit_code, "code": world.unit_code, "tracking_number": world.tracking_number,
            "rule_id": world.rule_id, "extension_id": world.extension_id, "year": world.year,
            "period": world.period, "fmt": fmt, "name": names.get(path, "")}


# --- what every answer must be --------------------------------------------------------------

def header(response, name: str) -> str:
    """A response header (schemathesis keeps every header as a list of values)."""
    for key, value in response.headers.items():
        if key.lower() == name:
            return ", ".join(value) if isinstance(value, list) else value
    return ""


def reason_of(response) -> str:
    """The reason a 4xx gives: FastAPI's detail (text, {reason, message} or a list of field
    errors), the platform's 422 {detail, errors: [{field, reason}]}, or Open311's error list."""
    kind = header(response, "content-type")
    if "xml" in kind:
        root = ET.fromstring(response.content)
        return " ".join(e.text or "" for e in root.iter("description")).strip()
    assert "json" in kind, f"a {response.status_code} answered with {kind!r}, not JSON: {response.text[:200]!r}"
    body = json.loads(response.content)
    if isinstance(body, list):  # Open311: [{"code": ..., "description": ...}]
        return " ".join(str(e.get("description", "")) for e in body if isinstance(e, dict)).strip()
    assert isinstance(body, dict), f"a {response.status_code} answered {body!r}"
    detail, errors = body.get("detail"), body.get("errors")
    if errors is not None:
        assert isinstance(errors, list) and errors and all(e.get("field") and e.get("reason") for e in errors), \
            f"a {response.status_code} names no field and reason: {body!r}"
    if isinstance(detail, dict):  # {"reason", "message"} or {"errors": [{"field", "reason"}]}
        inner = detail.get("errors")
        if isinstance(inner, list) and inner:
            assert all(isinstance(e, dict) and e.get("field") and e.get("reason") for e in inner), \
                f"a {response.status_code} names no field and reason: {body!r}"
            detail = "; ".join(f"{e['field']}: {e['reason']}" for e in inner)
        else:
            detail = detail.get("message") or detail.get("reason")
    elif isinstance(detail, list):
        detail = "; ".join(str(e.get("msg", "")) for e in detail if isinstance(e, dict))
    return str(detail or "").strip()


def clear_client_error(ctx, response, case) -> None:
    """A 4xx says why, in JSON (or Open311's XML); no answer carries a traceback (a 5xx is
    `not_a_server_error`'s to report)."""
    if response.status_code < 500:
        assert not TRACEBACK.search(response.text), f"traceback text in a {response.status_code} answer"
    if 400 <= response.status_code < 500:
        assert reason_of(response), f"a {response.status_code} without a reason: {response.text[:300]!r}"


def _json_or_empty(body) -> bool:
    if not body:
        return True
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def anonymous_gets_401(ctx, response, case) -> None:
    """A protected operation without a token answers 401 whatever the input: only a body that
    is not JSON at all (FastAPI reads it before the dependencies) or another method may differ."""
    key = (service_of(case), case.operation.method.upper(), case.operation.path)
    request = response.request
    if (key in ALLOWED and "Authorization" not in request.headers and request.method == key[1]
            and _json_or_empty(request.body)):
        assert response.status_code == 401, f"no token, yet {response.status_code}: {response.text[:200]!r}"
        assert header(response, "www-authenticate") == "Bearer"


CHECKS = [not_a_server_error, clear_client_error, anonymous_gets_401]


def service_of(case) -> str:
    return case.operation.schema.raw_schema["info"]["title"].removeprefix("hotline ")


def _digest(case) -> int:
    """A number derived from the generated case: the same case always gets the same token and
    path values, so a run is repeatable and a failure replays."""
    text = repr((case.operation.label, case.path_parameters, case.query, case.headers, case.body))
    text = re.sub(r" at 0x[0-9a-f]+", "", text)  # "no body" is an object: its address changes per run
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


SESSIONS: dict[str, requests.Session] = {}


def _log_size(log_dir, service: str) -> int:
    try:
        return (log_dir / f"{service}.log").stat().st_size
    except OSError:
        return 0


def _log_since(log_dir, service: str, offset: int) -> str:
    """What the service logged while it answered the failing request: the errors, each with the
    end of its traceback."""
    time.sleep(0.3)  # the service writes its error record after the answer went out
    try:
        with open(log_dir / f"{service}.log", "rb") as log:
            log.seek(offset)
            lines = log.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no log)"
    shown = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            shown.append(line[-2000:])
            continue
        if record.get("level") in ("error", "critical", "warning"):
            shown.append(f"{record.get('time')} {record.get('level')} {record.get('logger')}: "
                         f"{record.get('message', '').strip()}\n{record.get('exception', '')[-2500:]}")
    return "\n".join(shown) or "(nothing logged at warning level or above)"


@schemathesis.pytest.parametrize(**SCHEMAS)
def test_every_operation_answers_fuzzed_input_without_a_server_error(case, platform, world, settings, log_dir):
    service = service_of(case)
    key = (service, case.operation.method.upper(), case.operation.path)
    digest = _digest(case)
    if digest % 2:
        values = real_path_values(world, service, case.operation.path, digest >> 8)
        case.path_parameters = {**(case.path_parameters or {}),
                                **{k: values[k] for k in (case.path_parameters or {}) if values.get(k)}}
    headers = {}
    if key in ALLOWED and (digest >> 16) % ANONYMOUS_ONE_IN:
        roles = sorted(ALLOWED[key])
        role = roles[(digest >> 24) % len(roles)]
        headers = bearer(settings, role, world.unit_code if role == "unit" else None, subject="schemathesis")
    if case.headers:
        case.headers.pop("Authorization", None)
    session = SESSIONS.setdefault(service, requests.Session())
    CASES[(service, case.operation.label)] += 1
    if key in ALLOWED and not headers:
        ANONYMOUS[service] += 1
    _call_and_check(case, service, headers, log_dir, session)


def _call_and_check(case, service: str, headers: dict, log_dir, session=None) -> None:
    """Send the case and run the checks; on a failure, show what the service logged meanwhile."""
    logged = _log_size(log_dir, service)
    response = case.call(base_url=url(service), session=session, headers=headers, timeout=60)
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except BaseException:
        print(f"--- {service}.log while it answered {response.status_code} ---\n"
              f"{_log_since(log_dir, service, logged)}")
        raise


def _integers_at_the_edges() -> list[tuple[str, str, str, str, int]]:
    """Every integer parameter of the documents, just past each bound it has and past 64 bits
    where it has none (PostgreSQL's bigint is where an unbounded page or cursor used to give a
    500): a random draw seldom reaches these values."""
    found = []
    for service, doc in DOCUMENTS.items():
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    schema = parameter.get("schema", {})
                    if schema.get("type") != "integer":
                        continue
                    values = [schema["maximum"] + 1, schema["maximum"]] if "maximum" in schema else [2**63, 2**64]
                    values += [schema["minimum"] - 1] if "minimum" in schema else [-(2**63) - 1]
                    found += [(service, method.upper(), path, parameter["name"], v) for v in values]
    return found


def test_every_integer_parameter_is_bounded_in_the_documents():
    unbounded = [(service, path, parameter["name"])
                 for service, doc in DOCUMENTS.items() for path, operations in doc["paths"].items()
                 for operation in operations.values() for parameter in operation.get("parameters", [])
                 if parameter.get("schema", {}).get("type") == "integer"
                 and not {"minimum", "maximum"} <= set(parameter["schema"])]
    assert unbounded == [], "bound them: a value past 64 bits reaches PostgreSQL as a 500"


@pytest.mark.parametrize(("service", "method", "path", "name", "value"), _integers_at_the_edges(),
                         ids=lambda v: str(v) if not isinstance(v, int) else f"{v:.0e}")
def test_integers_at_and_past_their_bounds_get_a_clear_answer(world, settings, log_dir, service, method, path, name, value):
    key = (service, method, path)
    operation = SCHEMAS[service][path][method]
    where = next(p["in"] for p in operation.definition.raw["parameters"] if p["name"] == name)
    values = real_path_values(world, service, path, 0)
    path_parameters = {p["name"]: values[p["name"]] for p in operation.definition.raw["parameters"]
                       if p["in"] == "path"}
    if where == "path":
        path_parameters[name] = value
    case = operation.Case(path_parameters=path_parameters, query={name: value} if where == "query" else None)
    headers = {}
    if key in ALLOWED:
        role = "unit" if "unit" in ALLOWED[key] else sorted(ALLOWED[key])[0]
        headers = bearer(settings, role, world.unit_code if role == "unit" else None, subject="schemathesis")
    _call_and_check(case, service, headers, log_dir)


# --- after the fuzzing -----------------------------------------------------------------------

def test_the_services_serve_the_documents_that_were_fuzzed(platform):
    for service in SERVICES:
        served = requests.get(url(service, "/openapi.json"), timeout=30)
        assert served.status_code == 200
        assert served.json() == json.loads(json.dumps(DOCUMENTS[service])), service


def test_every_operation_was_fuzzed_and_every_service_is_still_ready(platform, capsys):
    per_service = collections.Counter()
    for (service, _), n in CASES.items():
        per_service[service] += n
    with capsys.disabled():  # one line in the run's output: how many cases each service answered
        print("\nschemathesis cases: " + ", ".join(
            f"{s} {per_service[s]} ({ANONYMOUS[s]} without a token)" for s in SERVICES)
            + f"; total {sum(per_service.values())}")
    operations = {(s, op.ok().label) for s, schema in SCHEMAS.items() for op in schema.get_all_operations()}
    assert len(operations) >= 45
    missed = sorted(f"{s} {label}" for s, label in operations if not CASES[(s, label)])
    assert not missed, f"operations that got no case (run the whole module): {missed}"
    for service in SERVICES:
        ready = requests.get(url(service, "/readyz"), timeout=30)
        assert ready.status_code == 200 and ready.json()["ready"] is True, service
