"""`hotline stack` waits for Kafka by asking it through an admin client: a broker that answers
is ready, a port nobody listens on is not (yet)."""

from hotline.stack.kafka import _lists_topics, answers


async def test_a_running_broker_answers_and_a_closed_port_does_not(settings):
    assert await answers(settings.kafka_bootstrap, _lists_topics)
    assert not await answers("127.0.0.1:1", _lists_topics)


async def test_a_question_the_broker_answers_no_to_is_not_ready(settings):
    async def never(admin) -> bool:
        await admin.list_topics()
        return False

    assert not await answers(settings.kafka_bootstrap, never)
