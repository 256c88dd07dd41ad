"""The checked-in AsyncAPI and OpenAPI documents are what the code generates now."""

import json

from hotline.docs import generate


def test_checked_in_contract_documents_are_current():
    stale = [str(path.relative_to(path.parents[2])) for path, text in generate().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `hotline docs` and commit: stale {stale}"


def test_every_service_documents_what_it_consumes_and_publishes():
    documents = {path.stem + "/" + path.parent.name: json.loads(text) for path, text in generate().items()}
    intake = documents["intake/asyncapi"]
    assert intake["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in intake["channels"].values()}
    assert {"hotline.intake.submissions.v1", "hotline.intake.v1", "hotline.deadletter.intake.v1"} <= addresses
    assert "SubmitAppeal" in intake["components"]["schemas"]
    assert "AppealAccepted" in intake["components"]["schemas"]
    assert "/v1/appeals" in documents["intake/openapi"]["paths"]


def test_every_422_is_documented_in_the_shape_the_services_send():
    """{detail, errors: [{field, reason}]} (shared/http.py), not FastAPI's default that echoes input."""
    for path, text in generate().items():
        if path.parent.name != "openapi":
            continue
        schemas = json.loads(text)["components"]["schemas"]
        refused = schemas["HTTPValidationError"]
        assert refused["required"] == ["detail", "errors"], path.stem
        assert refused["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
        assert schemas["FieldError"]["required"] == ["field", "reason"]
        assert "ValidationError" not in schemas, "nothing refers to FastAPI's echoing error any more"
