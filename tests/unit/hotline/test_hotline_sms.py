"""The development SMS adapter writes what a handset would show, never the whole phone number."""

import json
import uuid
from datetime import UTC, datetime

from hotline.sms import LogFileGateway, RecordingGateway, masked
from shared.contracts.events import NotifyPetitioner


def message() -> NotifyPetitioner:
    return NotifyPetitioner(notification_id=uuid.uuid4(), kind="phone_confirmation", phone="+8613812345678",
                            text="【沈阳12345】验证码123456，10分钟内有效。", code="123456",
                            created_at=datetime(2026, 12, 7, tzinfo=UTC))


async def test_the_log_file_gateway_masks_the_phone(tmp_path):
    path = tmp_path / "sms" / "sms.log"
    await LogFileGateway(path).send(message())
    line = json.loads(path.read_text(encoding="utf-8"))
    assert line["to"] == "+86138****5678" and "13812345678" not in path.read_text(encoding="utf-8")
    assert "123456" in line["text"] and line["kind"] == "phone_confirmation"
    assert masked("123") == "****"


async def test_the_recording_gateway_hands_tests_what_arrived():
    gateway = RecordingGateway()
    sent = message()
    await gateway.send(sent)
    assert (await gateway.wait_for(lambda m: m.code == "123456", timeout=1)) == sent
