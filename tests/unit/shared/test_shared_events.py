"""The typed event contract (shared/contracts/events.py, topics.py)."""

import re

import pytest
from pydantic import ValidationError
from test_shared_envelope import submission

from shared.contracts import topics
from shared.contracts.events import EVENT_TYPES, AppealEvent, Event, SubmitAppeal

TOPIC_NAMES = {t.name for t in topics.TOPICS}


def test_registry_is_not_empty_and_keyed_by_event_type():
    assert len(EVENT_TYPES) >= 20
    for event_type, cls in EVENT_TYPES.items():
        assert cls.event_type == event_type
        assert issubclass(cls, Event)


@pytest.mark.parametrize("cls", list(EVENT_TYPES.values()), ids=list(EVENT_TYPES))
def test_every_event_has_a_registered_topic_and_a_versioned_type(cls):
    assert cls.topic in TOPIC_NAMES, cls.__name__
    assert re.search(r"\.v[1-9]\d*$", cls.event_type), cls.event_type
    assert callable(getattr(cls, "subject", None))
    assert cls.model_config.get("extra") == "ignore"  # additive contract


def test_appeal_events_travel_on_the_writer_services_topics():
    for cls in EVENT_TYPES.values():
        if issubclass(cls, AppealEvent):
            assert cls.topic != topics.SUBMISSIONS
            assert not cls.topic.startswith("hotline.deadletter.")


def test_declaring_an_event_type_twice_is_refused():
    with pytest.raises(TypeError, match="twice"):

        class Duplicate(AppealEvent, event_type="hotline.appeal.accepted.v1", topic=topics.INTAKE):
            pass


def test_submission_defaults_and_strips_whitespace():
    appeal = SubmitAppeal.model_validate(submission(description="  停水了  "))
    assert appeal.description == "停水了"
    assert appeal.private is False
    assert appeal.appeal_type is None


@pytest.mark.parametrize("length", [1, 4000])
def test_description_up_to_4000_characters_is_accepted(length):
    assert len(SubmitAppeal.model_validate(submission(description="水" * length)).description) == length


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "水" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "PHONE"}, "channel"),
        ({"district": ""}, "district"),
        ({"district": "区" * 201}, "district"),
        ({"channel_message_id": "x" * 129}, "channel_message_id"),
        ({"appeal_type": "praise"}, "appeal_type"),
        ({"subtype": "complaint"}, "subtype"),
        ({"petitioner": {"name": "李四", "phone": "12"}}, "petitioner"),
    ],
)
def test_submission_limits_are_enforced(changes, field):
    with pytest.raises(ValidationError) as info:
        SubmitAppeal.model_validate(submission(**changes))
    assert info.value.errors()[0]["loc"][0] == field
