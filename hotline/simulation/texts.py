"""Realistic Chinese appeal texts per (type, subtype, category), with places to vary."""

from shared.contracts.vocabulary import AppealType as T
from shared.contracts.vocabulary import RequestSubtype as S

STREETS = ("太原街", "中街", "北二马路", "青年大街", "三好街", "兴华街", "长江街", "黄河大街", "北陵大街", "浑河堡路")
SHOPS = ("一家超市", "一家药店", "一家饭店", "一家商场", "一个菜市场", "一家健身房", "一家理发店", "一家加油站")
COMMUNITIES = ("阳光小区", "幸福家园", "锦绣花园", "和谐社区", "万科城", "翡翠城", "丽都花园", "世纪新城")

# (type, subtype, category, templates) for every label of intake's taxonomy
# (services/intake/data/taxonomy.json). Written as citizens speak to an operator or type into the
# app - long, roundabout, with context - and on purpose unlike the classifier's training corpus
# (services/intake/data/corpus/), so the demo's share sent to review is an honest one.
# The first two entries are the business-environment line's. {street}, {shop}, {community}, {days} vary.
TEMPLATES: tuple[tuple[T, S | None, str, tuple[str, ...]], ...] = (
    (T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "permits", (
        "我们企业在{street}办理施工许可证，审批拖了{days}天还没有结果。",
        "公司申请营业执照变更，窗口要求反复补材料，办证太难。",
        "你好，我们是{street}上一家做餐饮的小公司，想把经营范围加一项，材料来回改了四版，窗口每次说的都不一样，{days}天了证还没下来。",
        "我们厂新上一条生产线，环评那边说等通知，等了{days}天一点动静没有，耽误开工了，麻烦帮问问审批到底卡在哪。",
    )),
    (T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "enterprise_obstacles", (
        "我们企业的工程完工{days}天了，拖欠工程款一直不给，影响营商环境。",
        "有关部门对我们企业多头检查，刁难不断，希望改善营商环境。",
        "我是{street}一家装修公司的负责人，给区里一个单位干的活早验收了，尾款说是财政没批，拖了{days}天，工人工资都快发不出来了。",
        "这个月已经来了三拨人查我们仓库，每次都说换个部门再查一遍，正常发货都受影响，能不能统一安排一下。",
    )),
    (T.BUSINESS_ENVIRONMENT_COMPLAINT, None, "unfair_treatment", (
        "这次{street}片区的绿化项目招标，条件写得只有一家能满足，我们民营公司连报名都报不上，希望查一查。",
        "同样是开在{street}的店，别人家的门头没人管，偏偏让我们拆了重做，感觉是针对我们。",
    )),
    (T.CONSUMER_COMPLAINT, None, "prices", (
        "{street}{shop}乱收费，标价和结账价格不一致，要求查处。",
        "{street}{shop}节前突然涨价，价格没有明码标价。",
        "刚才在{street}{shop}买东西，货架上写的是特价，到收银台还是按原价结的，找他们理论说是标签没换。",
    )),
    (T.CONSUMER_COMPLAINT, None, "food_medicine", (
        "{street}{shop}卖过期食品，吃了以后肚子疼。",
        "在{street}{shop}买到变质的药品，要求退换并查处。",
        "昨天晚上在{street}{shop}吃的饭，回家一家三口都上吐下泻，今天去医院了，想让有关部门去查查他们后厨。",
    )),
    (T.CONSUMER_COMPLAINT, None, "industry_commerce", (
        "我在{street}{shop}办了一张两千块的卡，还没用几次店就关了，电话也打不通，想问问钱能不能要回来。",
        "上个月在{street}那边订了一套柜子，说好半个月送货，现在{days}天了还没送，去店里问就说再等等。",
    )),
    (T.CONSUMER_COMPLAINT, None, "quality_supervision", (
        "去年在{street}买的电动车，电池充着充着就鼓起来了，售后说不在保修范围，这要是着火了谁负责。",
        "{community}的电梯这个月停了好几次，有一次把老人关在里面半个小时，维保的人来得特别慢。",
    )),
    (T.CONSUMER_COMPLAINT, None, "water_supply", (
        "{community}停水{days}天了，自来水公司一直没人来修。",
        "{community}水压太低，高层住户用不上自来水。",
        "我住{community}十八楼，这几天一到早上做饭的时候水龙头就只滴水，一楼的邻居说他们那正常。",
        "这两天{community}放出来的水是黄的，烧开了还有一层渣子，家里有小孩不敢用，请水务的来看看。",
    )),
    (T.CONSUMER_COMPLAINT, None, "power_supply", (
        "{community}三天两头停电，供电部门不给说法。",
        "{community}电压不稳，家里电器烧坏了两个。",
        "我们{community}这一片昨晚又黑了，也没提前说一声，冰箱里的肉都化了，这个月都第三回了。",
    )),
    (T.CONSUMER_COMPLAINT, None, "telecommunications", (
        "{community}宽带经常断网，运营商报修{days}天没人处理。",
        "我家孩子上网课老掉线，找装宽带的客服说派人，到现在也没人上门，孩子课都耽误了。",
    )),
    (T.CONSUMER_COMPLAINT, None, "medical_health", (
        "{street}附近医院看病排队太久，医生态度也不好。",
        "我父亲在{street}那家医院住了一周，出院结账发现单子上好几项检查根本没做过，找收费处也说不清。",
    )),
    (T.CONSUMER_COMPLAINT, None, "tourism", (
        "上周跟{street}一家旅行社出去玩，说好的纯玩团，结果一天进了四个购物店，不买东西导游就甩脸子。",
    )),
    (T.CONSUMER_COMPLAINT, None, "culture", (
        "{street}那家网吧晚上十一点还有穿校服的孩子在里面打游戏，老板也不管，家长很着急。",
    )),
    (T.CONSUMER_COMPLAINT, None, "agriculture_forestry", (
        "我是新民的种地户，今年在镇上农资店买的种子，出苗还不到一半，找店主说是天气原因不给赔。",
    )),
    (T.CONSUMER_COMPLAINT, None, "heating", (
        "我家住{community}，开栓{days}天了暖气还是温乎的，屋里温度计才十四五度，老人孩子都冻感冒了。",
        "{community}三号楼整个单元暖气都不热，打热力公司电话说排号，排了一个礼拜也没人来。",
        "取暖费早就交了，可是{community}我家暖气片只有上面一截是热的，下面冰凉，放了风也没用。",
    )),
    (T.CONSUMER_COMPLAINT, None, "gas", (
        "今天早上{community}突然没气了，做不了饭，燃气公司电话一直占线，也没看到停气通知。",
        "燃气公司的人来{community}安检，说我家管子不合格必须换他们带的，一根管子要三百多，这合理吗。",
    )),
    (T.CONSUMER_COMPLAINT, None, "property_management", (
        "我们{community}的物业一年收那么多钱，楼道灯坏了半个月不修，垃圾也是好几天才清一次。",
        "{community}物业把地上的车位都划成收费的，连业主自己家门口停一下都要交钱，业主群里都炸了。",
        "因为家里漏水的事跟物业吵了几句，物业就不给我家门禁卡充值，进出小区都费劲。",
    )),
    (T.CONSUMER_COMPLAINT, None, "transport", (
        "晚上在{street}打了辆出租，师傅一听去{community}嫌近不拉，说要拉就得加二十。",
        "早上七点多在{street}站等车，那趟公交连着两辆都没停直接开过去了，上班迟到了。",
    )),
    (T.CONSUMER_COMPLAINT, None, "education_training", (
        "孩子在{street}那边报的英语课，还剩四十多节，这两天去了发现门锁了，老师也联系不上，好多家长都在门口。",
        "给孩子报的美术班说好不满意随时退，现在要退剩下的课时费，机构说合同里写了概不退款。",
    )),
    (T.CONSUMER_COMPLAINT, None, "housing", (
        "我在{community}买的期房，合同写的去年年底交房，现在楼还没封顶，开发商一直说快了。",
        "{community}入住都五年了，房本一直办不下来，找开发商推给房产局，房产局又说是开发商手续不全。",
    )),
    (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "service_attitude", (
        "去{street}政务服务中心办事，工作人员态度恶劣，互相推诿。",
        "今天带我妈去{street}办老年证，窗口那个小姑娘一直玩手机，问她话爱答不理的，我妈问了两遍就被吼了。",
    )),
    (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "efficiency", (
        "社保转移手续久拖不办，已经等了{days}天，办事效率太低。",
        "为了开一个证明，街道说找社区，社区说找派出所，派出所又让回街道，一上午白跑了三个地方。",
    )),
    (T.ADMINISTRATIVE_EFFICIENCY_COMPLAINT, None, "work_style", (
        "我们社区有个网格员上门登记的时候说话很横，还暗示不给点好处就不给办，希望查一下。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "taxation", (
        "举报{street}{shop}不开发票，涉嫌偷税漏税。",
        "在{street}{shop}消费了八百多，要发票说没有，要开得另加百分之六，这应该不合规吧。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "economic_crime", (
        "{community}有人组织传销，骗老人买保健品，涉嫌非法集资。",
        "我妈天天去{community}旁边一个什么养老项目听课，说投十万一年返两万，家里人劝不住，感觉是骗局。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "quality_supervision", (
        "我要举报{street}{shop}，卖的名牌洗发水瓶子和真的不一样，用了头皮发痒，肯定是假货。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "industry_commerce", (
        "举报{community}一楼有户人家把房子改成作坊做糕点，没有任何牌照，天天往外批发。",
    )),
    (T.ECONOMIC_VIOLATION_REPORT, None, "prices", (
        "举报{street}{shop}趁着下雪天把菜价翻了一倍，别的地方都没涨。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "policies", (
        "我家孩子今年大学毕业想留在沈阳，听说有租房补贴，想问问具体怎么申请、需要什么条件。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "social_insurance", (
        "我之前在外地交了几年社保，现在回沈阳工作了，想问一下以前交的能不能转过来，要去哪办。",
        "我今年五十五了，社保交了十三年，想问问到岁数了不够十五年还能不能领退休金。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "medical_insurance", (
        "咨询一下新生儿医保怎么办理，需要哪些材料？",
        "我爸要去北京做手术，想问问在沈阳的医保过去能不能直接结算，需要先办什么手续。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "housing_fund", (
        "咨询公积金提取政策，租房可以提取吗？",
        "我在{community}租房子住，听说租房也能提公积金，一年能提多少，网上能办吗。",
        "准备买个二手房，想问问用公积金贷款的话最多能贷多少，需要单位出什么证明。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "school_enrolment", (
        "我们刚在{community}买了房，孩子明年上小学，想问问这个小区划的是哪个学校，户口要落多久。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.CONSULTATION, "procedures", (
        "身份证在外地丢了，人现在在沈阳，想问问能不能在这边补办，要带什么东西。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "livelihood", (
        "家里老人独居生活困难，求助社区帮忙联系养老服务。",
        "我家邻居是个八十多岁的老太太，一个人住，这两天敲门都没人应，我们有点担心，能不能让社区来看看。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "noise", (
        "{community}楼下新开了个烧烤店，每天半夜一两点还在喝酒划拳，整栋楼都睡不好觉。",
        "{street}那边的工地这半个月天天晚上十一点以后还在干活，机器轰轰的，孩子要高考了。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "city_facilities", (
        "{community}门口那段路的灯一直不亮，晚上下班回来黑乎乎的，上礼拜还有人摔了。",
        "{street}和{community}中间那条路上有个大坑，下雨积满了水看不出来，电动车骑过去直接栽倒了。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "illegal_construction", (
        "{community}一楼那户把自家院子往外扩了好几米，把大家走的路都占了，说了也不听。",
        "{street}有几家门市把货和桌子全摆到人行道上了，推婴儿车都过不去。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "environment", (
        "{community}旁边那个厂子晚上老往外冒烟，一股烧塑料的味儿，窗户都不敢开。",
        "楼下饭店的排烟管子正对着我家窗户，一做饭满屋子都是油烟味。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.HELP, "wage_arrears", (
        "我们十几个人在{street}那个工地干了{days}天，老板就给了点生活费，工钱一直拖着不结，马上过年了。",
        "我从{street}一家饭店辞职快两个月了，最后一个月的工钱老板一直说下周给，到现在也没给。",
    )),
    (T.PUBLIC_SERVICE_REQUEST, S.SUGGESTION, "urban_management", (
        "建议在{street}路口增设红绿灯，早晚高峰太危险。",
        "建议{community}附近希望增设公交站点。",
        "{community}附近住了好几万人，连个像样的菜市场都没有，买菜得坐车去，希望能规划一个。",
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
