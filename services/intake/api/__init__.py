"""Intake's HTTP API: the appeal entrance and the operators' review queue."""

from services.intake.api.appeals import router as appeals
from services.intake.api.callers import router as callers
from services.intake.api.classifier import router as classifier
from services.intake.api.contacts import router as contacts
from services.intake.api.knowledge import router as knowledge
from services.intake.api.review import router as review
from services.intake.api.suggestion import router as suggestion
from services.intake.api.web_entrance import router as web_entrance

ROUTERS = (appeals, web_entrance, review, classifier, knowledge, callers, suggestion, contacts)
