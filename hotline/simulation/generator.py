"""A seeded stream of submissions that looks like a city's day at the hotline.

Pure: the same seed gives the same stream. Each item says what the platform should do
with it (`expect`), so a run can check that nothing went missing:
submitted = accepted + rejected + merged + held + dead-lettered.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.simulation import texts
from shared.contracts.vocabulary import DISTRICT_NAMES_ZH, Channel


@dataclass(frozen=True)
class Mix:
    """Shares of the unusual cases (the rest are ordinary appeals)."""

    duplicate: float = 0.05
    emergency: float = 0.02
    out_of_area: float = 0.02
    malformed: float = 0.01
    private: float = 0.10
    cluster: float = 0.05  # joins a burst of appeals about one problem in one district


@dataclass(frozen=True)
class Submission:
    at: datetime
    channel: str
    message_id: str
    body: dict | None  # None: the raw bytes are malformed
    raw: bytes | None
    expect: str  # accepted (or held for review) | rejected | merged | dead_letter


CHANNEL_WEIGHTS = ((Channel.PHONE, 0.55), (Channel.PHONE_BUSINESS_LINE, 0.08), (Channel.WEB, 0.17), (Channel.APP, 0.20))


def submissions(seed: int, count: int, start: datetime, span: timedelta, mix: Mix = Mix()) -> Iterator[Submission]:
    """`count` submissions spread over `span` from `start`, busier in the daytime."""
    rng = random.Random(seed)
    districts = list(DISTRICT_NAMES_ZH.values())
    petitioners = [_petitioner(rng) for _ in range(max(10, count // 3))]
    recent: list[dict] = []
    cluster = _cluster(rng, districts)
    for i in range(count):
        at = start + span * (i / count) + timedelta(seconds=rng.random())
        channel = rng.choices([c for c, _ in CHANNEL_WEIGHTS], [w for _, w in CHANNEL_WEIGHTS])[0]
        message_id = f"sim-{seed}-{i}"
        roll = rng.random()
        if roll < mix.malformed:
            yield Submission(at, channel.value, message_id, None, _malformed(rng, message_id), "dead_letter")
            continue
        roll -= mix.malformed
        person = rng.choice(petitioners)
        body = {"channel": channel.value, "channel_message_id": message_id, "petitioner": person,
                "district": rng.choice(districts), "submitted_at": at.isoformat()}
        expect = "accepted"
        if roll < mix.emergency:
            body["description"] = _fill(rng, rng.choice(texts.EMERGENCIES))
            expect = "rejected"
        elif (roll := roll - mix.emergency) < mix.out_of_area:
            body["description"] = _fill(rng, rng.choice(texts.TEMPLATES)[3][0])
            body["district"] = rng.choice(texts.OUT_OF_AREA)
            expect = "rejected"
        elif (roll := roll - mix.out_of_area) < mix.duplicate and recent:
            earlier = rng.choice(recent)
            body.update({k: earlier[k] for k in ("petitioner", "district", "description")})
            body["channel"] = earlier["channel"]
            expect = "merged"
        elif (roll := roll - mix.duplicate) < mix.cluster:
            body["description"] = cluster["text"] + rng.choice(("", "，已经好几天了。", "，请尽快处理。"))
            body["district"] = cluster["district"]
        else:
            kind = texts.TEMPLATES[rng.randrange(2)] if channel is Channel.PHONE_BUSINESS_LINE \
                else rng.choice(texts.TEMPLATES)
            body["description"] = _fill(rng, rng.choice(kind[3]))
            if channel in (Channel.PHONE, Channel.PHONE_BUSINESS_LINE):
                # On the phone the operator classifies the appeal; web and app rely on the rules.
                body.update(appeal_type=kind[0].value, category=kind[2],
                            subtype=kind[1].value if kind[1] else None)
        if body["channel"] == Channel.PHONE_BUSINESS_LINE.value:
            body["petitioner"] = {**body["petitioner"], "enterprise_name": "沈阳某某科技有限公司"}
        body["private"] = rng.random() < mix.private
        if expect == "accepted":
            recent = (recent + [body])[-200:]
        yield Submission(at, body["channel"], message_id, body, None, expect)


def _petitioner(rng: random.Random) -> dict:
    name = rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN)
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    return {"name": name, "phone": phone}


def _fill(rng: random.Random, template: str) -> str:
    return template.format(street=rng.choice(texts.STREETS), shop=rng.choice(texts.SHOPS),
                           community=rng.choice(texts.COMMUNITIES), days=rng.randint(3, 90))


def _cluster(rng: random.Random, districts: list[str]) -> dict:
    return {"text": _fill(rng, "{community}停水三天了，整栋楼都没有自来水"), "district": rng.choice(districts)}


def _malformed(rng: random.Random, message_id: str) -> bytes:
    return rng.choice([
        b"{not json",
        b'{"channel": "fax", "channel_message_id": "' + message_id.encode() + b'"}',
        b'{"channel": "web", "description": 42}',
        "\ufffd\ufffd".encode() + b"\xff",
    ])
