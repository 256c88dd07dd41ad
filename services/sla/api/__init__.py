"""SLA's HTTP API: the calendar, supervision, extensions and deadline explanations."""

from services.sla.api.calendar import router as calendar_router
from services.sla.api.orders import router as orders_router
from services.sla.api.supervision import router as supervision_router

ROUTERS = (calendar_router, supervision_router, orders_router)
