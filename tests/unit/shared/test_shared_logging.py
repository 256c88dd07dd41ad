"""JSON log lines carry the event and appeal being handled."""

import json
import logging

from shared.logging import APPEAL_ID, EVENT_ID, JsonFormatter


def test_a_log_line_names_the_event_and_appeal_in_hand():
    record = logging.LogRecord("hotline", logging.WARNING, __file__, 1, "unit %s refused", ("SAMR",), None)
    event_token, appeal_token = EVENT_ID.set("e-1"), APPEAL_ID.set("a-1")
    try:
        line = json.loads(JsonFormatter("routing").format(record))
    finally:
        EVENT_ID.reset(event_token)
        APPEAL_ID.reset(appeal_token)
    assert line["service"] == "routing" and line["level"] == "warning"
    assert line["message"] == "unit SAMR refused"
    assert line["event_id"] == "e-1" and line["appeal_id"] == "a-1"


def test_outside_a_handler_no_ids_are_invented():
    record = logging.LogRecord("hotline", logging.INFO, __file__, 1, "started", (), None)
    line = json.loads(JsonFormatter("intake").format(record))
    assert "event_id" not in line and "appeal_id" not in line
