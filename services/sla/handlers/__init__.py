"""SLA's use cases, wired for one running service."""

from dataclasses import dataclass

from services.sla.adapters.calendar_store import CalendarCache
from services.sla.adapters.rules_file import load_rules
from services.sla.domain.rules import Rules
from services.sla.handlers.concentration import Concentration
from services.sla.handlers.lifecycle import Deadlines
from shared.clock import Clock
from shared.contracts.events import AppealAccepted


@dataclass
class Sla:
    rules: Rules
    calendars: CalendarCache
    clock: Clock

    def handlers(self) -> dict:
        deadlines = Deadlines(self.rules, self.calendars, self.clock)
        concentration = Concentration(self.rules, self.calendars, self.clock)
        return {**deadlines.handlers(), AppealAccepted: concentration.on_accepted}


def build(clock: Clock, rules: Rules | None = None) -> Sla:
    return Sla(rules or load_rules(), CalendarCache(), clock)
