"""The five services by name: the one place that knows them all (the CLI's assembly point)."""

from shared.runtime import ServiceSpec


def service_specs() -> dict[str, ServiceSpec]:
    from services.assessment.entrypoint import SPEC as assessment
    from services.intake.entrypoint import SPEC as intake
    from services.publication.entrypoint import SPEC as publication
    from services.routing.entrypoint import SPEC as routing
    from services.sla.entrypoint import SPEC as sla

    return {s.name: s for s in (intake, routing, sla, publication, assessment)}
