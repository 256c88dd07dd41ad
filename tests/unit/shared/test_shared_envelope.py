"""CloudEvents envelope in Kafka headers + JSON body (shared/contracts/envelope.py)."""

import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from shared.contracts.envelope import (
    CONTENT_TYPE,
    SPECVERSION,
    Envelope,
    MalformedEvent,
    decode_headers,
    open_envelope,
)
from shared.contracts.events import (
    AppealAccepted,
    AppealClosed,
    Classification,
    SubmitAppeal,
)
from shared.contracts.vocabulary import AppealType, Channel, RequestSubtype

APPEAL_ID = UUID("0b6f3f0e-8d2c-4a6e-9c1b-2f7d5e4a3b21")
PHONE = "13912345678"
SUBMIT_TYPE = "hotline.appeal.submission.v1"


def accepted() -> AppealAccepted:
    return AppealAccepted(
        appeal_id=APPEAL_ID,
        tracking_number="SY20261201AB12CD34",
        channel=Channel.WEB,
        appeal_type=AppealType.PUBLIC_SERVICE_REQUEST,
        subtype=RequestSubtype.CONSULTATION,
        category="policies",
        district="heping",
        description="想咨询一下公积金贷款政策",
        private=True,
        classification=Classification(method="keywords", matched=("政策", "咨询"), confidence=1.0),
        accepted_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
    )


def submission(**changes) -> dict:
    body = {
        "channel": "web",
        "channel_message_id": "web-0001",
        "description": "小区停水三天了",
        "district": "heping",
        "petitioner": {"name": "张三", "phone": PHONE},
    }
    body.update(changes)
    return body


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


# --- round trip ------------------------------------------------------------------------------


def test_round_trip_through_headers_body_and_key():
    sent = Envelope.wrap(accepted(), source="hotline/intake", time=datetime(2026, 12, 1, 1, 0, 5, tzinfo=UTC))
    received = open_envelope(sent.headers(), sent.body(), position="hotline.intake.v1/3/42")
    assert received == sent
    assert received.data == accepted()
    assert received.id == sent.id
    assert received.type == "hotline.appeal.accepted.v1" == AppealAccepted.event_type
    assert received.subject == str(APPEAL_ID)
    assert received.source == "hotline/intake"
    assert received.time == datetime(2026, 12, 1, 1, 0, 5, tzinfo=UTC)
    assert sent.key() == str(APPEAL_ID).encode()
    assert isinstance(received.data, AppealAccepted)
    assert received.data.classification.matched == ("政策", "咨询")


def test_round_trip_through_kafka_byte_headers():
    sent = Envelope.wrap(accepted(), source="hotline/intake")
    raw = [(name, value.encode()) for name, value in sent.headers().items()]
    received = open_envelope(decode_headers(raw), sent.body(), position="p/0/0")
    assert received == sent


def test_cloudevents_headers_are_present():
    sent = Envelope.wrap(accepted(), source="hotline/intake")
    headers = sent.headers()
    assert headers["ce_id"] == str(sent.id)
    assert UUID(headers["ce_id"])
    assert headers["ce_source"] == "hotline/intake"
    assert headers["ce_type"] == "hotline.appeal.accepted.v1"
    assert headers["ce_specversion"] == "1.0" == SPECVERSION
    assert datetime.fromisoformat(headers["ce_time"]) == sent.time
    assert sent.time.tzinfo is not None
    assert headers["ce_subject"] == str(APPEAL_ID)
    assert headers["content-type"] == "application/json" == CONTENT_TYPE


def test_each_wrap_gets_a_fresh_id():
    assert Envelope.wrap(accepted(), source="s").id != Envelope.wrap(accepted(), source="s").id


def test_body_is_the_data_alone_as_json():
    body = json.loads(Envelope.wrap(accepted(), source="s").body())
    assert body["appeal_id"] == str(APPEAL_ID)
    assert body["tracking_number"] == "SY20261201AB12CD34"
    assert "ce_id" not in body and "event_type" not in body


def test_subject_of_a_submission_is_channel_and_message_id():
    sent = Envelope.wrap(SubmitAppeal.model_validate(submission()), source="adapter/web")
    assert sent.subject == "web:web-0001"
    assert sent.key() == b"web:web-0001"
    assert open_envelope(sent.headers(), sent.body(), position="p/0/0").data.petitioner.phone == PHONE


# --- tolerant reading ----------------------------------------------------------------------------


def test_unknown_fields_are_ignored():
    body = submission(future_field="x", petitioner={"name": "张三", "phone": PHONE, "wechat": "zs"})
    envelope = open_envelope({"ce_type": SUBMIT_TYPE}, encode(body), position="p/0/1")
    assert envelope.data == SubmitAppeal.model_validate(submission())
    assert not hasattr(envelope.data, "future_field")


def test_missing_ce_type_without_default_is_malformed():
    with pytest.raises(MalformedEvent, match="ce_type"):
        open_envelope({}, encode(submission()), position="p/0/1")


def test_default_type_and_ids_derived_from_the_position():
    def read(position: str):
        return open_envelope({}, encode(submission()), position=position, default_type=SUBMIT_TYPE)

    first = read("hotline.intake.submissions.v1/2/17")
    again = read("hotline.intake.submissions.v1/2/17")
    other = read("hotline.intake.submissions.v1/2/18")
    assert first.type == SUBMIT_TYPE
    assert isinstance(first.data, SubmitAppeal)
    assert first.id == again.id  # redelivery of the same record: same inbox id
    assert first.id != other.id
    assert first.subject == "web:web-0001"  # derived from the data
    assert first.specversion == "1.0"


def test_ce_type_header_wins_over_default_type():
    body = encode({"appeal_id": str(APPEAL_ID), "closed_at": "2026-12-01T00:00:00+08:00"})
    envelope = open_envelope({"ce_type": "hotline.appeal.closed.v1"}, body, position="p/0/1", default_type=SUBMIT_TYPE)
    assert isinstance(envelope.data, AppealClosed)


def test_ce_id_header_wins_over_position():
    ce_id = uuid4()
    envelope = open_envelope({"ce_type": SUBMIT_TYPE, "ce_id": str(ce_id)}, encode(submission()), position="p/0/1")
    assert envelope.id == ce_id


# --- malformed records ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (encode(submission(channel="fax")), "channel"),
        (encode(submission(private="maybe")), "private"),
        (encode(submission(description=["停水"])), "description"),
        (encode({k: v for k, v in submission().items() if k != "petitioner"}), "petitioner"),
        (encode(submission(petitioner={"name": "张三", "phone": 13912345678})), "petitioner.phone"),
    ],
)
def test_malformed_body_names_the_field(body, named):
    with pytest.raises(MalformedEvent) as info:
        open_envelope({"ce_type": SUBMIT_TYPE}, body, position="p/0/1")
    assert str(info.value).startswith(named + ":") or f"; {named}:" in str(info.value)


@pytest.mark.parametrize("body", [b"", None])
def test_empty_body_is_malformed(body):
    with pytest.raises(MalformedEvent, match="empty"):
        open_envelope({"ce_type": SUBMIT_TYPE}, body, position="p/0/1")


def test_unknown_type_is_malformed():
    with pytest.raises(MalformedEvent, match="unknown event type"):
        open_envelope({"ce_type": "hotline.appeal.teleported.v1"}, encode(submission()), position="p/0/1")


@pytest.mark.parametrize(
    "headers",
    [
        {"ce_type": SUBMIT_TYPE, "ce_id": "not-a-uuid"},
        {"ce_type": SUBMIT_TYPE, "ce_time": "yesterday"},
    ],
)
def test_bad_cloudevents_headers_are_malformed(headers):
    with pytest.raises(MalformedEvent, match="header"):
        open_envelope(headers, encode(submission()), position="p/0/1")


def test_non_utf8_header_is_malformed():
    with pytest.raises(MalformedEvent, match="UTF-8"):
        decode_headers([("ce_type", b"\xff\xfe")])


@pytest.mark.parametrize(
    "body",
    [
        submission(channel=PHONE),
        submission(private=PHONE),
        submission(appeal_type=PHONE),
        submission(description=[PHONE]),
        submission(petitioner={"name": "张三", "phone": int(PHONE)}),
        submission(petitioner={"name": "张三", "phone": PHONE, "id_number": "21010219900101123456X"}),
        submission(petitioner={"name": ["张三"], "phone": PHONE}),
    ],
)
def test_malformed_reason_does_not_repeat_personal_data(body):
    with pytest.raises(MalformedEvent) as info:
        open_envelope({"ce_type": SUBMIT_TYPE}, encode(body), position="p/0/1")
    reason = str(info.value)
    assert PHONE not in reason
    assert "21010219900101123456X" not in reason
    assert "张三" not in reason
