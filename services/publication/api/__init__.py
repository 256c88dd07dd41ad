"""Publication's HTTP face: the public JSON API, staff routes, Open311 and the web page."""

from services.publication.api import open311, public, staff, submit, web

ROUTERS = (public.router, staff.router, open311.router, submit.router, web.router)
