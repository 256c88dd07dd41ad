"""Structured JSON logs, one object per line.

Log calls pass ids (appeal, event) and codes; never a petitioner's name, phone, ID
number, address or inquiry code. The formatter adds what `extra=` carries.
"""

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

# The event being handled and the appeal it concerns; set by the consumer pipeline so that
# every log line written while handling it names both.
EVENT_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)
APPEAL_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("appeal_id", default=None)

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (event_id := EVENT_ID.get()) is not None:
            entry["event_id"] = event_id
        if (appeal_id := APPEAL_ID.get()) is not None:
            entry["appeal_id"] = appeal_id
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka reports every reconnect attempt at INFO/ERROR; warnings are enough here.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
