"""SLA's use cases, wired for one running service."""

from dataclasses import dataclass

from services.sla.adapters.calendar_store import CalendarCache
from services.sla.adapters.rules_file import load_rules
from services.sla.domain.rules import Rules
from services.sla.handlers.concentration import Concentration
from services.sla.handlers.lifecycle import Deadlines
from shared.clock import Clock
from shared.consumer import Batch
from shared.contracts.events import AppealAccepted


@dataclass
class Sla:
    rules: Rules
    calendars: CalendarCache
    clock: Clock

    def handlers(self) -> dict:
        deadlines = Deadlines(self.rules, self.calendars, self.clock)
        concentration = Concentration(self.rules, self.calendars, self.clock)
        # One handler per event type (the consumer maps each type to one): AppealAccepted is
        # concentration's alone, which also flags an existing deadline for the early reminder.
        return {**deadlines.handlers(), AppealAccepted: Batch(concentration.on_accepted)}


def build(clock: Clock, rules: Rules | None = None) -> Sla:
    return Sla(rules or load_rules(), CalendarCache(), clock)
