"""Realistic Chinese appeal texts per (type, subtype, category), with places to vary."""

import json
from pathlib import Path

from shared.contracts.vocabulary import AppealType as T
from shared.contracts.vocabulary import RequestSubtype as S

STREETS = ("太原街", "中街", "北二马路", "青年大街", "三好街", "兴华街", "长江街", "黄河大街", "北陵大街", "浑河堡路")
SHOPS = ("一家超市", "一家药店", "一家饭店", "一家商场", "一个菜市场", "一家健身房", "一家理发店", "一家加油站")
COMMUNITIES = ("阳光小区", "幸福家园", "锦绣花园", "和谐社区", "万科城", "翡翠城", "丽都花园", "世纪新城")

# (type, subtype, category, templates) for every label of intake's taxonomy
# (services/intake/data/taxonomy.json), kept as data in data/templates.json. Written as citizens speak to an operator or type into the
# app - long, roundabout, with context - and on purpose unlike the classifier's training corpus
# (services/intake/data/corpus/), so the demo's share sent to review is an honest one.
# The first two entries are the business-environment line's. {street}, {shop}, {community}, {days} vary.
TEMPLATES: tuple[tuple[T, S | None, str, tuple[str, ...]], ...] = tuple(
    (T(row["type"]), S(row["subtype"]) if row["subtype"] else None, row["category"], tuple(row["texts"]))
    for row in json.loads((Path(__file__).parent / "data" / "templates.json").read_text(encoding="utf-8"))
)

EMERGENCIES = (
    "{community}楼道里着火了，火很大，快来人！",
    "{street}路口发生车祸，有人受伤倒地。",
    "邻居老人晕倒了，没有呼吸，快叫救护车。",
)
OUT_OF_AREA = ("大连市中山区", "鞍山市铁东区", "北京市朝阳区", "抚顺市新抚区")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "桂兰")
