"""A service as a process: run on its own (`hotline run`) it keeps its start-up objects out of
the garbage collector's reach, so full collections stay short (run inside another process, as
in these tests, it leaves that process's collector alone); when it stops, it hands Kafka the
events its last transactions stored."""

import gc
import uuid
from datetime import UTC, datetime

from services.intake.entrypoint import SPEC
from shared.contracts import topics
from shared.contracts.events import AppealSigned
from shared.runtime import ServiceRuntime, create_app
from shared.unit_of_work import UnitOfWork
from tests.integration.helpers import read_topic


async def test_a_service_in_its_own_process_freezes_what_start_up_made(settings):
    gc.unfreeze()
    try:
        shared_app = create_app(SPEC, settings)
        async with shared_app.router.lifespan_context(shared_app):
            assert gc.get_freeze_count() == 0, "a process running tests must not freeze its objects"

        own_app = create_app(SPEC, settings.model_copy(update={"metrics_port": 0}), own_process=True)
        async with own_app.router.lifespan_context(own_app):
            frozen, collected = gc.get_freeze_count(), len(gc.get_objects())
        assert frozen > 10 * collected, f"{collected} objects still walked by each full collection, {frozen} frozen"
    finally:
        gc.unfreeze()


async def test_a_stopping_service_publishes_what_its_last_transaction_stored(settings):
    # the relay polls every 60 s and nobody wakes it: only the shutdown can publish the event
    runtime = ServiceRuntime(SPEC, settings.model_copy(update={"relay_poll_seconds": 60.0}))
    context = await runtime.open()
    await runtime.broker.start()
    await runtime.start_relay()
    appeal = uuid.uuid4()
    try:
        async with UnitOfWork(context.pool, "/hotline/test") as uow:
            uow.emit(AppealSigned(appeal_id=appeal, unit_code="SAMR", signed_at=datetime.now(UTC)))
    finally:
        await runtime.close()
    records = await read_topic(settings.kafka_bootstrap, settings.topic(topics.ROUTING), expect=1,
                               keys={str(appeal).encode()}, timeout=10)
    assert len(records) == 1
