"""Realistic Chinese appeal texts per (type, subtype, category), with places to vary."""

from shared.contracts.vocabulary import AppealType as T
from shared.contracts.vocabulary import RequestSubtype as S

STREETS = ("太原街", "中街", "北二马路", "青年大街", "三好街", "兴华街", "长江街", "黄河大街", "北陵大街", "浑河堡路")
SHOPS = ("一家超市", "一家药店", "一家饭店", "一家商场", "一个菜市场", "一家健身房", "一家理发店", "一家加油站")
COMMUNITIES = ("阳光小区", "幸福家园", "锦绣花园", "和谐社区", "万科城", "翡翠城", "丽都花园", "世纪新城")

# (type, subtype, category, templates). {street}, {shop}, {community} and {days} vary.
TEMPLATES: tuple[tuple[T, S | None, str, tuple[str, ...]], ...] = (
    (T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "permits", (
        "我们企业在{street}办理施工许可证，审批拖了{days}天还没有结果。",
        "公司申请营业执照变更，窗口要求反复补材料，办证太难。",
    )),
    (T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "enterprise_obstacles", (
        "我们企业的工程完工{days}天了，拖欠工程款一直不给，影响营商环境。",
        "有关部门对我们企业多头检查，刁难不断，希望改善营商环境。",
    )),
    (T.CONSUMER_COMPLAINT, None, "prices", (
        "{street}{shop}乱收费，标价和结账价格不一致，要求查处。",
        "{street}{shop}节前突然涨价，价格没有明码标价。",
    )),
    (T.CONSUMER_COMPLAINT, None, "food_medicine", (
        "{street}{shop}卖过期食品，吃了以后肚子疼。",
        "在{street}{shop}买到变质的药品，要求退换并查处。",
    )),
    (T.CONSUMER_COMPLAINT, None, "water_supply", (
        "{community}停水{days}天了，自来水公司一直没人来修。",
        "{community}水压太低，高层住户用不上自来水。",
    )),
    (T.CONSUMER_COMPLAINT, None, "power_supply", (
        "{community}三天两头停电，供电部门不给说法。",
        "{community}电压不稳，家里电器烧坏了两个。",
    )),
    (T.CONSUMER_COMPLAINT, None, "telecommunications", (
        "{community}宽带经常断网，运营商报修{days}天没人处理。",
    )),
    (T.CONSUMER_COMPLAINT, None, "medical_health", (
        "{street}附近医院看病排队太久，医生态度也不好。",
    )),
    (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "service_attitude", (
        "去{street}政务服务中心办事，工作人员态度恶劣，互相推诿。",
    )),
    (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "efficiency", (
        "社保转移手续久拖不办，已经等了{days}天，办事效率太低。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "taxation", (
        "举报{street}{shop}不开发票，涉嫌偷税漏税。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "economic_crime", (
        "{community}有人组织传销，骗老人买保健品，涉嫌非法集资。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", (
        "咨询一下新生儿医保怎么办理，需要哪些材料？",
        "咨询公积金提取政策，租房可以提取吗？",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood", (
        "家里老人独居生活困难，求助社区帮忙联系养老服务。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.SUGGESTION, "urban_management", (
        "建议在{street}路口增设红绿灯，早晚高峰太危险。",
        "建议{community}附近希望增设公交站点。",
    )),
)

EMERGENCIES = (
    "{community}楼道里着火了，火很大，快来人！",
    "{street}路口发生车祸，有人受伤倒地。",
    "邻居老人晕倒了，没有呼吸，快叫救护车。",
)
OUT_OF_AREA = ("大连市中山区", "鞍山市铁东区", "北京市朝阳区", "抚顺市新抚区")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建国", "桂兰")
