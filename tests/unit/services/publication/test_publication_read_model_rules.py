"""How facts change a public row in any arrival order (domain/read_model.py) and when a change is
published (handlers/publishing.settle)."""

import random
import uuid
from datetime import UTC, datetime, timedelta

from services.publication.domain import read_model
from services.publication.domain.row import PublicRow
from services.publication.handlers.publishing import settle
from shared.contracts.local_time import SHANGHAI

T = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
APPEAL = uuid.UUID("00000000-0000-0000-0000-000000000001")


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def accept(row: PublicRow, hours: float = 0, category: str = "prices", private: bool = False) -> None:
    read_model.accept(row, tracking_number="SY20261102ABCDEFGH", appeal_type="consumer_complaint",
                      category=category, district="heping", private=private, accepted_at=at(hours),
                      summary="楼上漏水", name_tags=["n3:x"], inquiry_code_hash=None)


FACTS = {
    "accepted": lambda row: accept(row),
    "dispatched": lambda row: read_model.assign_unit(row, unit_name="市场监管局", at=at(1)),
    "redispatched": lambda row: read_model.assign_unit(row, unit_name="卫健委", at=at(3)),
    "deadline": lambda row: read_model.set_deadline(row, expected_at=at(100), event_at=at(1)),
    "extended": lambda row: read_model.set_deadline(row, expected_at=at(200), event_at=at(2)),
    "signed": lambda row: read_model.record_step(row, "signed_at", at(4)),
    "replied": lambda row: read_model.record_reply(row, unit_code="SAMR", reply="已处理", outcome="solved",
                                                   replied_at=at(5)),
    "reclassified": lambda row: read_model.reclassify(row, appeal_type="public_service_request", category="water",
                                                      district="shenhe", reclassified_at=at(0.5)),
}


def test_a_new_row_has_the_table_defaults():
    row = read_model.new_row(APPEAL)
    assert set(row) == set(read_model.COLUMNS)
    assert row["appeal_id"] == APPEAL and row["name_tags"] == [] and row["status"] == "accepted"
    assert all(v is None for k, v in row.items() if k not in ("appeal_id", "name_tags", "status"))


def test_the_arrival_order_does_not_change_the_row():
    shuffle = random.Random(8)
    rows = []
    for _ in range(200):
        order = list(FACTS)
        shuffle.shuffle(order)
        row = read_model.new_row(APPEAL)
        for name in order:
            FACTS[name](row)
        rows.append(row)
    assert all(row == rows[0] for row in rows)
    first = rows[0]
    assert first["unit_name"] == "卫健委" and first["expected_at"] == at(200)
    assert first["category"] == "water" and first["updated_at"] == at(5) and first["dispatched_at"] == at(3)


def test_an_older_fact_arriving_late_changes_nothing_but_an_equal_time_lets_the_later_win():
    row = read_model.new_row(APPEAL)
    read_model.assign_unit(row, unit_name="new", at=at(3))
    read_model.assign_unit(row, unit_name="old", at=at(1))
    assert row["unit_name"] == "new" and row["unit_at"] == at(3)
    read_model.assign_unit(row, unit_name="same time, later", at=at(3))
    assert row["unit_name"] == "same time, later"


def test_an_acceptance_keeps_a_later_reclassification():
    row = read_model.new_row(APPEAL)
    read_model.reclassify(row, appeal_type="public_service_request", category="water", district="shenhe",
                          reclassified_at=at(2))
    accept(row, hours=0, category="prices")
    assert row["category"] == "water" and row["accepted_at"] == at(0) and row["classified_at"] == at(2)


def test_a_stopped_deadline_says_met_whatever_its_time():
    row = read_model.new_row(APPEAL)
    read_model.stop_deadline(row, met=True, stopped_at=at(5))
    read_model.stop_deadline(row, met=False, stopped_at=at(1))
    assert row["deadline_met"] is False and row["updated_at"] == at(5)


def test_times_are_kept_in_utc_as_the_database_returns_them():
    row = read_model.new_row(APPEAL)
    shanghai = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    read_model.record_step(row, "signed_at", shanghai)
    assert row["signed_at"] == T and row["signed_at"].tzinfo is UTC


def test_a_change_is_published_once_and_only_for_a_disclosed_row():
    private = read_model.new_row(APPEAL)
    accept(private, private=True)
    assert settle(private) is None and private["status"] == "accepted" and private["published_digest"] is None

    row = read_model.new_row(APPEAL)
    read_model.assign_unit(row, unit_name="市场监管局", at=at(1))
    assert settle(row) is None and row["status"] == "dispatched", "not public before the acceptance"
    accept(row)
    view = settle(row)
    assert view is not None and view.status == "dispatched" and view.unit_name == "市场监管局"
    assert settle(row) is None, "the same view again publishes nothing"
    accept(row)  # the acceptance redelivered under a new id
    assert settle(row) is None
