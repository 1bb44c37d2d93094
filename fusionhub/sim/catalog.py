"""What the simulator generates: per unified category, each source's own taxonomy and wording.

``entity`` names what tells two neighbouring incidents of one kind apart (a company, an
employer, a door number on a road); ``recurring`` is the chance an incident has such a neighbour.

``CATALOG`` doubles as the reference mapping for the connectors' category tables: every source
label below must map onto the unified ``code`` (see ``source_taxonomy``).
"""

from __future__ import annotations

from fusionhub.sim.spec import CategorySpec, VideoLabel

CATALOG: tuple[CategorySpec, ...] = (
    CategorySpec(
        "fire",
        1.0,
        ("问题隐患", "消防隐患"),
        "公共安全/消防安全/火灾事故",
        "公共安全",
        VideoLabel("烟火检测", None),
        (
            ("民房起火冒黑烟", "一户民房着火了浓烟很大", "房子烧起来了有黑烟冒出"),
            ("柴草堆起火", "堆放的柴草着火了火势蔓延", "柴堆烧起来烟很大"),
            ("厂房仓库起火", "厂房仓库冒烟起火", "仓库着火了有明火"),
        ),
        {"video": (0.7, 1), "hotline": (0.95, 3), "grid": (0.6, 1)},
        20,
        severity=2,
    ),
    CategorySpec(
        "crowding",
        0.8,
        ("问题隐患", "治安隐患"),
        "公共安全/社会治安/人员聚集",
        "公共安全",
        VideoLabel("人员聚集", 10),
        (
            ("广场大量人员聚集", "广场上聚集了很多人情绪激动", "很多人聚在广场不肯散"),
            ("门口多人聚集讨说法", "几十人聚在门口要说法", "大门口围了一群人讨说法"),
        ),
        {"video": (0.9, 2), "hotline": (0.5, 2), "grid": (0.5, 1)},
        45,
        severity=2,
    ),
    CategorySpec(
        "dispute.neighbour",
        2.0,
        ("矛盾纠纷", "邻里纠纷"),
        "社会治安/矛盾纠纷/邻里纠纷",
        "城乡建设",
        None,
        (
            (
                "翻建房屋擅自改排水沟下雨就淹",
                "邻居翻建房屋把排水沟改到门口雨天被淹",
                "两户因排水沟走向争执邻居改沟导致积水",
            ),
            (
                "装修噪音每天早上六点就开工",
                "隔壁装修天天清早电钻噪音吵得没法睡",
                "邻居家装修清晨施工噪音扰民",
            ),
            (
                "共用通道被堆满杂物无法通行",
                "邻居在公共通道乱堆杂物挡路",
                "两家共用的过道被堆放杂物堵死",
            ),
            ("散养鸡鸭毁坏菜地", "邻居家鸡鸭跑进菜地把菜吃光了", "隔壁放养的鸡鸭糟蹋菜园"),
            (
                "空调外机正对卧室窗户",
                "邻居空调外机对着我家窗户热风直吹",
                "空调外机朝向卧室引发争吵",
            ),
        ),
        {"grid": (0.8, 1), "hotline": (0.6, 2), "petition": (0.2, 1)},
        2880,
        party=True,
    ),
    CategorySpec(
        "dispute.land",
        1.2,
        ("矛盾纠纷", "土地纠纷"),
        "城乡建设/农村建房/宅基地纠纷",
        "自然资源",
        None,
        (
            ("宅基地界址不清建围墙越界", "邻居砌围墙占了我家宅基地", "两户宅基地界址争议围墙越界"),
            ("承包地被他人强行耕种", "我家承包的田被别人占着种", "承包土地被邻村人强占耕种"),
            ("祖坟山林权属争议", "山林边界有争议对方砍了树", "两家为山林权属吵架砍树"),
        ),
        {"grid": (0.7, 1), "hotline": (0.6, 1), "petition": (0.35, 1)},
        4320,
        party=True,
    ),
    CategorySpec(
        "dispute.family",
        0.6,
        ("矛盾纠纷", "婚姻家庭纠纷"),
        "社会治安/矛盾纠纷/婚姻家庭纠纷",
        "婚姻家庭",
        None,
        (
            ("赡养老人费用分摊争吵", "兄弟几个为老人赡养费吵起来", "子女推诿赡养老人闹矛盾"),
            ("夫妻吵架动手", "夫妻争吵发生推搡", "两口子吵架打起来了"),
        ),
        {"grid": (0.8, 1), "hotline": (0.4, 1)},
        1440,
        party=True,
    ),
    CategorySpec(
        "wage_arrears",
        1.0,
        ("矛盾纠纷", "劳资纠纷"),
        "劳动和社会保障/劳动关系/拖欠工资",
        "劳动社保",
        None,
        (
            (
                "工地老板拖欠农民工工资三个月",
                "在工地干了三个月包工头不发工资",
                "工地欠薪工人讨要工资",
            ),
            ("服装厂拖欠工人工资", "厂里两个月没发工资老板失联", "工厂欠薪工人找不到老板"),
        ),
        {"hotline": (0.9, 3), "grid": (0.5, 1), "petition": (0.3, 1)},
        4320,
        party=True,
        entity="employer",
        recurring=0.3,
    ),
    CategorySpec(
        "pollution",
        1.0,
        ("问题隐患", "环境污染"),
        "环境保护/大气污染/工业废气",
        "环境保护",
        None,
        (
            ("化工厂夜间偷排废气刺鼻", "晚上工厂排气味道很刺鼻", "厂里半夜排废气臭味熏人"),
            ("养殖场污水直排河道发黑", "养猪场污水排进河里河水发黑发臭", "河道被养殖污水污染"),
        ),
        {"hotline": (0.95, 4), "grid": (0.5, 1), "petition": (0.15, 1)},
        4320,
        entity="company",
        recurring=0.35,
    ),
    CategorySpec(
        "street_vending",
        1.2,
        ("问题隐患", "占道经营"),
        "城乡建设/市容环卫/占道经营",
        "城乡建设",
        VideoLabel("占道经营", 8),
        (
            ("流动摊贩占用人行道卖水果", "人行道上有水果摊挡路", "路边水果摊贩占道经营"),
            ("夜宵摊占道摆桌", "晚上烧烤摊把桌子摆到路上", "夜宵排档占道经营油烟大"),
        ),
        {"video": (0.5, 1), "hotline": (0.6, 2), "grid": (0.6, 1)},
        240,
    ),
    CategorySpec(
        "illegal_construction",
        0.6,
        ("问题隐患", "违章建筑"),
        "城乡建设/违法建设/违章搭建",
        "城乡建设",
        None,
        (
            ("屋顶违章搭建彩钢棚", "楼顶在搭彩钢瓦房子", "顶楼违建加盖"),
            ("院子外侵占道路搭建", "在路边违规搭棚子占路", "私自圈地搭建简易房"),
        ),
        {"grid": (0.7, 1), "hotline": (0.7, 2)},
        2880,
    ),
    CategorySpec(
        "sanitation",
        0.8,
        ("问题隐患", "环境卫生"),
        "城乡建设/市容环卫/垃圾清运",
        "城乡建设",
        VideoLabel("垃圾堆放", 3),
        (
            ("垃圾桶满溢多天没人清运", "垃圾好几天没人收臭气熏天", "垃圾点堆满了一直不清运"),
            ("建筑垃圾乱倒路边", "有人在路边倒建筑垃圾", "路边被偷倒渣土垃圾"),
        ),
        {"hotline": (0.8, 2), "grid": (0.6, 1), "video": (0.3, 1)},
        1440,
    ),
    CategorySpec(
        "food_safety",
        0.5,
        ("问题隐患", "食品安全"),
        "市场监管/食品安全/餐饮服务",
        "市场监管",
        None,
        (
            ("小饭店后厨卫生脏乱吃后腹泻", "在饭店吃完饭拉肚子后厨很脏", "餐馆卫生差就餐后腹泻"),
            ("超市出售过期食品", "超市货架上有过期的牛奶", "买到过期食品超市不认账"),
        ),
        {"hotline": (0.9, 2), "grid": (0.3, 1)},
        2880,
        entity="shop",
        recurring=0.15,
    ),
    CategorySpec(
        "roads",
        0.6,
        ("问题隐患", "设施损坏"),
        "城乡建设/市政设施/道路损坏",
        "城乡建设",
        None,
        (
            ("路面塌陷出现大坑", "马路中间塌了一个大坑", "道路塌陷有坑很危险"),
            ("窨井盖缺失", "路上窨井盖不见了", "井盖丢了有人差点掉下去"),
        ),
        {"hotline": (0.9, 2), "grid": (0.6, 1)},
        1440,
        entity="road",
        recurring=0.3,
    ),
    CategorySpec(
        "utilities",
        0.4,
        ("问题隐患", "设施损坏"),
        "城乡建设/供水/停水",
        "城乡建设",
        None,
        (("自来水停水一整天没通知", "家里一天没水了也没通知", "突然停水到现在还没来水"),),
        {"hotline": (1.0, 4)},
        600,
    ),
    CategorySpec(
        "public_security",
        0.5,
        ("问题隐患", "道路交通"),
        "公共安全/道路交通/交通事故",
        "公共安全",
        VideoLabel("交通事故", 12),
        (("两车相撞有人受伤", "路口两辆车撞了有人受伤", "发生车祸有伤者"),),
        {"video": (0.6, 1), "hotline": (0.9, 2), "grid": (0.3, 1)},
        15,
        severity=2,
    ),
    CategorySpec(
        "safety_hazard",
        0.5,
        ("问题隐患", "安全隐患"),
        "公共安全/安全生产/安全隐患",
        "公共安全",
        None,
        (
            ("厂房违规存放易燃化工原料", "车间里堆了很多易燃的化工桶", "仓库乱放化学品有安全隐患"),
            ("老旧民房墙体开裂有倒塌危险", "危房墙面裂缝越来越大", "房子墙裂了随时可能倒"),
        ),
        {"hotline": (0.85, 2), "grid": (0.7, 1)},
        2880,
        entity="company",
        recurring=0.3,
    ),
)

BY_CODE = {spec.code: spec for spec in CATALOG}

DEVICE_FAULTS: tuple[tuple[str, int | None], ...] = (
    ("视频丢失", 1),
    ("设备离线", None),
    ("存储设备故障", 4),
)


def source_taxonomy() -> dict[str, dict[str, str]]:
    """Source label -> unified code, per source: the table connectors must reproduce.

    Grid labels are ``type_1/type_2``; ``设施损坏`` and ``消防隐患`` are shared by two codes and
    map to the first listed (``roads``, ``fire``): grid reports are coarser than the hub.
    """
    table: dict[str, dict[str, str]] = {"grid": {}, "hotline": {}, "petition": {}, "video": {}}
    for spec in CATALOG:
        table["grid"].setdefault("/".join(spec.grid), spec.code)
        table["hotline"].setdefault(spec.hotline, spec.code)
        if spec.video is not None:
            table["video"].setdefault(spec.video.description, spec.code)
    return table
