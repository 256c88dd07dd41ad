"""`make demo`: start the stack and the five services, then follow appeals through them.

The appeals come in by both entrances (HTTP and the Kafka submissions topic) and include
the cases the platform must refuse, so the report shows every outcome of acceptance.
"""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer

from hotline.stack import kafka, postgres
from hotline.stack.config import StackConfig
from hotline.supervisor import Services, port_of
from shared.contracts import topics
from shared.contracts.topics import SERVICES
from shared.settings import Settings

PETITIONER = {"name": "王建国", "phone": "13812345678"}
HTTP_APPEALS = [
    ("web", "和平区", "太原街一家超市乱收费，标价和结账价格不一致，要求查处。", {}),
    ("phone_business_line", "浑南区", "我们企业办理施工许可证，审批拖了三个月没有结果。", {}),
    ("app", "皇姑区", "咨询一下新生儿医保怎么办理，需要哪些材料？", {"private": True}),
    ("phone", "铁西区", "小区楼下停水两天了，自来水公司一直没人来修。", {}),
    ("web", "沈河区", "邻居家着火了，冒烟起火很严重！", {}),
    ("app", "大连市中山区", "中山广场附近道路坑洼，希望修一下。", {}),
]
KAFKA_APPEAL = ("phone", "大东区", "大东区一家药店卖过期药品，食品药品安全没人管。")


def run_demo(once: bool = False) -> int:
    config = StackConfig()
    settings = Settings()
    started = time.monotonic()
    print("== stack ==")
    print(" ", postgres.up(config))
    print(" ", kafka.up(config))
    from hotline.provision import create_topics, migrate_all

    asyncio.run(migrate_all(settings))
    asyncio.run(create_topics(settings))
    services = Services(list(SERVICES), config.state_dir / "services")
    services.start()
    try:
        services.wait_ready()
        print(f"  five services ready ({time.monotonic() - started:.1f}s since start)")
        receipts = _submit_over_http()
        kafka_id = asyncio.run(_submit_over_kafka(settings))
        _report(receipts, kafka_id)
        if once:
            return 0
        print("\nThe platform keeps running; Ctrl-C stops the services (the stack stays: `hotline stack down`).")
        services.wait()
    finally:
        services.stop()
    return 0


def _submit_over_http() -> list[dict]:
    receipts = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port_of('intake')}", timeout=10) as client:
        for channel, district, text, extra in HTTP_APPEALS:
            body = {"channel": channel, "channel_message_id": f"demo-{uuid.uuid4()}", "description": text,
                    "district": district, "petitioner": PETITIONER, **extra}
            receipt = client.post("/v1/appeals", json=body).json()
            receipts.append({"channel": channel, "private": extra.get("private", False), **receipt})
        bad = client.post("/v1/appeals", json={"channel": "fax", "description": ""})
        print(f"\n== acceptance (HTTP) ==\n  malformed submission -> {bad.status_code}: "
              + "; ".join(f"{e['field']}: {e['reason']}" for e in bad.json()["errors"][:3]))
    for r in receipts:
        extra = f" ({r['reason']})" if r.get("reason") else ""
        print(f"  {r['channel']:<20} {r['tracking_number']}  {r['status']}{extra}")
    return receipts


async def _submit_over_kafka(settings: Settings) -> str:
    """Publish as a channel adapter would: a bare JSON body, keyed by the channel message id."""
    channel, district, text = KAFKA_APPEAL
    message_id = f"demo-kafka-{uuid.uuid4()}"
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        body = {"channel": channel, "channel_message_id": message_id, "description": text,
                "district": district, "petitioner": PETITIONER}
        submissions = settings.topic(topics.SUBMISSIONS)
        await producer.send_and_wait(submissions, json.dumps(body).encode(), key=message_id.encode())
        await producer.send_and_wait(submissions, b"{not json", key=b"demo-malformed")
    finally:
        await producer.stop()
    print(f"  {'kafka (' + channel + ')':<20} published {message_id} and one malformed record")
    return message_id


def _report(receipts: list[dict], kafka_message_id: str) -> None:
    period = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    public = [r for r in receipts if r["status"] == "accepted" and not r["private"]]
    accepted = sum(r["status"] == "accepted" for r in receipts) + 1  # + the Kafka appeal
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=5) as client:
        entries: dict[str, dict] = {}
        while time.monotonic() < deadline:
            for r in public:
                got = client.get(f"http://127.0.0.1:{port_of('publication')}/v1/public/appeals/{r['tracking_number']}")
                if got.status_code == 200 and got.json().get("expected_at"):
                    entries[r["tracking_number"]] = got.json()
            scores = client.get(f"http://127.0.0.1:{port_of('assessment')}/v1/scores", params={"period": period}).json()
            counted = sum(u["received"] for u in scores["units"])
            if len(entries) == len(public) and counted >= accepted:
                break
            time.sleep(0.3)
        dead = _metric(client, port_of("intake"), "hotline_dead_letters_total")
    print("\n== routing -> sla -> publication (public entries) ==")
    for r in public:
        e = entries.get(r["tracking_number"])
        if e is None:
            print(f"  {r['tracking_number']}  not yet public")
            continue
        print(f"  {e['tracking_number']}  {e['appeal_type']}/{e['category']} in {e['district']}: "
              f"{e['status']} to {e['unit_name']}, due {e['expected_at']}")
    print(f"\n== assessment: appeals received per unit in {period} ==")
    for unit in scores["units"]:
        print(f"  {unit['unit_code']:<18} {unit['received']}")
    print(f"\n  dead-lettered by intake so far: {dead:.0f} (the malformed Kafka record)")
    print("\n== where to look ==")
    for name in SERVICES:
        print(f"  {name:<12} http://127.0.0.1:{port_of(name)}  (/docs, /readyz, /metrics)")


def _metric(client: httpx.Client, port: int, name: str) -> float:
    text = client.get(f"http://127.0.0.1:{port}/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))
