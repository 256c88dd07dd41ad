"""The faststream patches name the version they were checked against, and it is the pinned one."""

import re
from pathlib import Path

from shared.kafka import faststream_compat

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_the_patches_were_checked_against_the_pinned_faststream():
    pin = re.search(r'"faststream\[kafka\]==([^"]+)"', PYPROJECT.read_text()).group(1)
    assert faststream_compat.TESTED_WITH == pin == faststream_compat.INSTALLED


def test_replacing_the_poll_refuses_a_subscriber_without_get_msg():
    class Renamed:
        async def next_messages(self): ...

    try:
        faststream_compat.install_batch_poll(Renamed())
    except RuntimeError as exc:
        assert "get_msg" in str(exc)
    else:
        raise AssertionError("a subscriber without get_msg was patched")


async def test_a_header_that_is_not_utf8_is_left_out_of_the_parse_but_kept_in_the_raw_records():
    from dataclasses import dataclass

    @dataclass
    class Record:
        headers: list

    @dataclass
    class Parsed:
        raw_message: object

    records = (Record([("ce_id", b"1")]), Record([("ce_id", b"\xff\xfe")]))

    async def strict_parser(batch):
        for record in batch:
            for _, value in record.headers:
                value.decode()
        return Parsed(batch)

    parsed = await faststream_compat.tolerate_undecodable_headers(records, strict_parser)
    assert parsed.raw_message is records
