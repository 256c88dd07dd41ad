"""A service run as its own process (`hotline run`) keeps its start-up objects out of the
garbage collector's reach, so full collections stay short; a service run inside another
process (these tests) leaves that process's collector alone."""

import gc

from services.intake.entrypoint import SPEC
from shared.runtime import create_app


async def test_a_service_in_its_own_process_freezes_what_start_up_made(settings):
    gc.unfreeze()
    try:
        shared_app = create_app(SPEC, settings)
        async with shared_app.router.lifespan_context(shared_app):
            assert gc.get_freeze_count() == 0, "a process running tests must not freeze its objects"

        own_app = create_app(SPEC, settings, own_process=True)
        async with own_app.router.lifespan_context(own_app):
            frozen, collected = gc.get_freeze_count(), len(gc.get_objects())
        assert frozen > 10 * collected, f"{collected} objects still walked by each full collection, {frozen} frozen"
    finally:
        gc.unfreeze()
