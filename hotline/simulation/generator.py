"""A seeded stream of submissions that looks like a city's day at the hotline.

Pure: the same seed gives the same stream. Each item says what the platform should do
with it (`expect`), so a run can check that nothing went missing:
submitted = accepted + rejected + merged + held + dead-lettered.

Clusters are seeded with their ground truth (`Submission.cluster`): the span is cut into
slots, one problem of one place per slot (a water outage in one building, a heating failure,
night-time construction noise...), and the cluster share of the stream in that slot is
residents reporting that problem, each in their own words around the same facts. sla's
concentration detection is held to this truth (tests/unit/services/sla/test_sla_seeded_clusters.py)
and the demo prints both counts.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
    cluster: float = 0.05  # reports a seeded problem of one place (a burst of about 30 residents each)


@dataclass(frozen=True)
class Submission:
    at: datetime
    channel: str
    message_id: str
    body: dict | None  # None: the raw bytes are malformed
    raw: bytes | None
    expect: str  # accepted (or held for review) | rejected | merged | dead_letter
    cluster: str | None = None  # ground truth: the seeded problem this appeal reports
    label: tuple[str, str | None, str] | None = None  # ground truth: (type, subtype, category) an operator would give


CHANNEL_WEIGHTS = ((Channel.PHONE, 0.55), (Channel.PHONE_BUSINESS_LINE, 0.08), (Channel.WEB, 0.17), (Channel.APP, 0.20))


def submissions(seed: int, count: int, start: datetime, span: timedelta, mix: Mix = Mix()) -> Iterator[Submission]:
    """`count` submissions spread over `span` from `start`, busier in the daytime."""
    rng = random.Random(seed)
    districts = list(DISTRICT_NAMES_ZH.values())
    petitioners = [_petitioner(rng) for _ in range(max(10, count // 3))]
    recent: list[dict] = []
    labels: dict[str, tuple[str, str | None, str]] = {}  # message id -> its true label (for duplicates)
    problems = seeded_problems(seed, count, mix, districts)
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
        body: dict[str, Any] = {"channel": channel.value, "channel_message_id": message_id, "petitioner": person,
                "district": rng.choice(districts), "submitted_at": at.isoformat()}
        expect = "accepted"
        cluster = None
        label: tuple[str, str | None, str] | None = None
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
            label = labels.get(earlier["channel_message_id"])
            expect = "merged"
        elif (roll := roll - mix.duplicate) < mix.cluster:
            problem = problems[min(int(len(problems) * i / count), len(problems) - 1)]
            body.update(problem.report(rng, channel))
            cluster, label = problem.key, problem.label
        else:
            kind = texts.TEMPLATES[rng.randrange(2)] if channel is Channel.PHONE_BUSINESS_LINE \
                else rng.choice(texts.TEMPLATES)
            body["description"] = _fill(rng, rng.choice(kind[3]))
            label = (kind[0].value, kind[1].value if kind[1] else None, kind[2])
            if channel in (Channel.PHONE, Channel.PHONE_BUSINESS_LINE):
                # On the phone the operator classifies the appeal; web and app rely on the rules.
                body.update(appeal_type=kind[0].value, category=kind[2],
                            subtype=kind[1].value if kind[1] else None)
        if body["channel"] == Channel.PHONE_BUSINESS_LINE.value:
            body["petitioner"] = {**body["petitioner"], "enterprise_name": "沈阳某某科技有限公司"}
        body["private"] = rng.random() < mix.private
        if expect == "accepted":
            recent = (recent + [body])[-200:]
        if label:
            labels[message_id] = label
        yield Submission(at, body["channel"], message_id, body, None, expect, cluster, label)


def _petitioner(rng: random.Random) -> dict:
    name = rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN)
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    return {"name": name, "phone": phone}


def _fill(rng: random.Random, template: str) -> str:
    return template.format(street=rng.choice(texts.STREETS), shop=rng.choice(texts.SHOPS),
                           community=rng.choice(texts.COMMUNITIES), days=rng.randint(3, 90))


# Problems of one place that bring many residents to call within hours: (appeal type,
# category or None for the classifier, the facts with {place} and {building}). The label an
# operator gives a report the classifier held: the stated one, or TRUE_LABELS by facts' index.
PROBLEMS = (
    ("consumer_complaint", "water_supply", "{place}{building}号楼从昨天开始停水，整栋楼都没有自来水，做饭喝水都成问题"),
    ("consumer_complaint", "heating", "{place}{building}号楼暖气一直不热，屋里温度只有十二度，老人孩子冻得受不了"),
    ("consumer_complaint", "power_supply", "{place}{building}号楼停电一整天了，冰箱里的东西都坏了，供电所电话打不通"),
    ("consumer_complaint", None, "{place}旁边的工地每天半夜还在施工，打桩声音特别大，周围居民根本睡不着觉"),
    ("consumer_complaint", None, "{place}门口的污水井往外冒污水，流了半条街，味道很大，出门都没法走"),
    ("consumer_complaint", "property_management", "{place}{building}号楼电梯坏了一个星期，物业一直不修，老人只能爬十几层楼"),
    ("consumer_complaint", None, "{place}附近有人天天晚上焚烧垃圾，浓烟呛人，家里窗户都不敢开"),
)
TRUE_LABELS = {3: ("public_service_request", "help", "noise"), 4: ("public_service_request", "help", "city_facilities"),
               6: ("public_service_request", "help", "environment")}
OPENINGS = ("", "你好，", "我要反映一下，", "您好，我是这里的居民，", "我想投诉，", "麻烦问一下，")
ENDINGS = ("", "，请尽快处理。", "，已经好几天了。", "，希望有关部门管一管。", "，大家都很着急。", "，谢谢。")
CLUSTER_SIZE = 30  # residents per seeded problem, on average


@dataclass(frozen=True)
class Problem:
    """One seeded problem of one place: its reports share the facts, not the wording."""

    key: str
    district: str
    appeal_type: str
    category: str | None
    facts: str  # {building} still open: neighbours live in different buildings of the place
    buildings: tuple[int, ...]
    label: tuple[str, str | None, str] | None = None  # what an operator classifies its reports as

    def report(self, rng: random.Random, channel: Channel) -> dict:
        text = rng.choice(OPENINGS) + self.facts.format(building=rng.choice(self.buildings)) + rng.choice(ENDINGS)
        # Each report comes from another resident (intake would merge one person's repeats).
        body: dict[str, Any] = {"description": text, "district": self.district, "petitioner": _petitioner(rng)}
        if self.category and channel in (Channel.PHONE, Channel.PHONE_BUSINESS_LINE):
            body.update(appeal_type=self.appeal_type, category=self.category, subtype=None)
        return body


def seeded_problems(seed: int, count: int, mix: Mix = Mix(), districts: list[str] | None = None) -> list[Problem]:
    """The problems of a stream, one per slot of its span (their own random draws, so the rest
    of the stream does not change with them)."""
    rng = random.Random(f"problems-{seed}")
    districts = districts or list(DISTRICT_NAMES_ZH.values())
    slots = max(1, round(count * mix.cluster / CLUSTER_SIZE))
    places = [*texts.COMMUNITIES, *texts.STREETS]
    problems = []
    for j in range(slots):
        appeal_type, category, facts = PROBLEMS[j % len(PROBLEMS)]
        first = rng.randint(1, 30)
        problems.append(Problem(
            f"sim-{seed}-problem-{j}", rng.choice(districts), appeal_type, category,
            facts.replace("{place}", rng.choice(places)), (first, first + 1, first + 2),
            TRUE_LABELS.get(j % len(PROBLEMS), (appeal_type, None, category) if category else None)))
    return problems


def true_clusters(items: Iterator[Submission] | list[Submission], min_members: int) -> dict[str, int]:
    """Seeded problems with at least `min_members` reports expected to be accepted."""
    sizes: dict[str, int] = {}
    for item in items:
        if item.cluster and item.expect == "accepted":
            sizes[item.cluster] = sizes.get(item.cluster, 0) + 1
    return {key: n for key, n in sizes.items() if n >= min_members}


def _malformed(rng: random.Random, message_id: str) -> bytes:
    return rng.choice([
        b"{not json",
        b'{"channel": "fax", "channel_message_id": "' + message_id.encode() + b'"}',
        b'{"channel": "web", "description": 42}',
        "\ufffd\ufffd".encode() + b"\xff",
    ])
