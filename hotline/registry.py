"""The five services by name: the one place that knows them all (the CLI's assembly point)."""

import importlib

from shared.contracts.topics import SERVICES
from shared.runtime import ServiceSpec

# The processes `hotline up` and the demo start: the five event services and the staff
# workbench, which consumes no topic (it acts through the services' HTTP APIs).
PROCESSES = (*SERVICES, "workbench")


def service_spec(name: str) -> ServiceSpec:
    """One process's spec, importing that service alone: a process that imported every
    entrypoint carried the others' libraries (intake's classifier, sla's numpy), and every
    service peaked near 192 MB resident instead of 80-130."""
    if name not in PROCESSES:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(PROCESSES)}")
    spec: ServiceSpec = importlib.import_module(f"services.{name}.entrypoint").SPEC
    return spec


def service_specs() -> dict[str, ServiceSpec]:
    from services.assessment.entrypoint import SPEC as assessment
    from services.intake.entrypoint import SPEC as intake
    from services.publication.entrypoint import SPEC as publication
    from services.routing.entrypoint import SPEC as routing
    from services.sla.entrypoint import SPEC as sla
    from services.workbench.entrypoint import SPEC as workbench

    return {s.name: s for s in (intake, routing, sla, publication, assessment, workbench)}


def replayers():
    """The services whose read model can be rebuilt from the Kafka log, by name."""
    from services.assessment.replay import replay as assessment
    from services.publication.replay import replay as publication

    return {"publication": publication, "assessment": assessment}


async def load_calendar(settings, path):
    """Load a holiday schedule file into sla's schema (published by sla's outbox relay)."""
    from services.sla.handlers import build
    from services.sla.handlers.calendar_upload import load_calendar_file
    from shared.db import create_pool
    from shared.unit_of_work import UnitOfWorkFactory

    pool = await create_pool(settings.database_url, "sla", max_size=2)
    try:
        clock = settings.clock()
        return await load_calendar_file(UnitOfWorkFactory(pool, "sla"), build(clock).rules, clock, path,
                                        loaded_by="hotline calendar load")
    finally:
        await pool.close()
