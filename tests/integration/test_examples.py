"""The documented examples work against the real platform: an adapter's submission comes back
decided, and a feed consumer sees it published without personal data."""

import asyncio
import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Any

from services.intake.entrypoint import SPEC as INTAKE
from services.publication.entrypoint import SPEC as PUBLICATION
from services.routing.entrypoint import SPEC as ROUTING
from tests.support import running_service

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str, settings) -> Any:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.BOOTSTRAP, module.PREFIX = settings.kafka_bootstrap, settings.topic_prefix
    return module


async def test_adapter_and_feed_consumer_examples(settings):
    adapter, feed = load("channel_adapter", settings), load("public_feed_consumer", settings)
    async with running_service(INTAKE, settings), running_service(ROUTING, settings), \
            running_service(PUBLICATION, settings):
        decision = await adapter.submit({
            "channel": "web", "channel_message_id": f"example-{uuid.uuid4()}", "district": "沈河区",
            "description": "中街一家商场乱收费，联系人李红13912345678，要求查处。",
            "petitioner": {"name": "李红", "phone": "13912345678"}})
        assert decision["type"] == "hotline.appeal.accepted.v1"

        async def first_public_change() -> dict:
            async for change in feed.public_changes(group_id=f"test-{uuid.uuid4()}"):
                if change["tracking_number"] == decision["tracking_number"]:
                    return change
            raise AssertionError("the public feed ended before the appeal's change")
        change = await asyncio.wait_for(first_public_change(), 30)
    assert change["district"] == "shenhe"
    text = str(change)
    assert "13912345678" not in text and "李红" not in text
