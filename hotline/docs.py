"""`hotline docs`: the machine-readable contracts, generated from the code into docs/.

AsyncAPI 3 per service (faststream reads the declared subscribers and publishers and the
pydantic payloads) and OpenAPI per service (FastAPI). A test fails when the checked-in
files differ from what the code generates, so the documents cannot go stale.
"""

import json
from pathlib import Path

from hotline.registry import service_specs
from shared.contracts.topics import SERVICES
from shared.runtime import asyncapi_document, create_app
from shared.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _reference_settings() -> Settings:
    # Fixed values, so the documents do not depend on the environment that generates them.
    return Settings(env="development", kafka_bootstrap="127.0.0.1:19092", topic_prefix="",
                    _env_file=None)


def generate() -> dict[Path, str]:
    """Every contract document, by the path it belongs at."""
    settings = _reference_settings()
    documents: dict[Path, str] = {}
    for name, spec in service_specs().items():
        if name not in SERVICES:  # the staff workbench has HTML pages, no API or events to document
            continue
        documents[DOCS / "asyncapi" / f"{name}.json"] = _dump(asyncapi_document(spec, settings))
        documents[DOCS / "openapi" / f"{name}.json"] = _dump(create_app(spec, settings).openapi())
    return documents


def write() -> list[Path]:
    changed = []
    for path, text in generate().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def _dump(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
