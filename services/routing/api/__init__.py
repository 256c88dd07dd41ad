"""Routing's HTTP API: the units' inbox and actions, the operators' queue and decisions, the directory."""

from services.routing.api.directory import router as directory_router
from services.routing.api.operators import router as operators_router
from services.routing.api.units import router as units_router

ROUTERS = (units_router, operators_router, directory_router)
