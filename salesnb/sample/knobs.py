"""Every assumption of the demo company: regions, segments, products, seasonality, the story, names and places.

Here: the module-level tables the generator reads (``_REGION_PARAMS``, ``_SEG``, ``_PRODUCTS``, ``_LINE_WEIGHTS``,
``_MONTH_FACTOR``, ``_STORY`` …, see the package docstring's "Knobs") and the small calendar and sampling helpers
they go with. Not here: the simulation (:mod:`salesnb.sample.simulate`) and the tables drawn from it.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

DEFAULT_SEED = 2025
COMPANY_NAME = "华信智能装备有限公司"
REGIONS: tuple[str, ...] = ("华北", "华东", "华南", "华中", "西南", "西北")
PRODUCT_LINES: tuple[str, ...] = ("智能控制系统", "工业传感器", "自动化设备", "配件与耗材")
SAMPLE_FILES: tuple[str, ...] = ("workspace.yaml", "sales.csv", "customers.xlsx", "surveys.csv", "complaints.csv", "interviews.csv")

_FIRST_DAY = date(2023, 1, 1)
_YEARS = (2023, 2024, 2025)
_N_MONTHS = 36
_EXTRACT_AT = datetime(2025, 12, 31, 23, 59)
"""The moment the exports were taken: later events are not yet known."""
_FIXED_TIMESTAMP = datetime(2026, 1, 5, 9, 0, 0)
"""Workbook created/modified properties and ZIP entry dates (determinism)."""

_REGION_PARAMS: dict[str, dict] = {
    # n0: active customers on 2023-01-01; acq: new customers per year (2023, 2024, 2025 before
    # the company-wide slowdown ``_ACQ_2025``); level: spend level per customer by year (2023 = 1);
    # churn: churn-hazard multiplier; resp: median first-response hours 2023–24.
    "华北": dict(n0=150, acq=(26, 28, 28), level=(1.00, 0.99, 1.02), churn=1.00, resp=14.0),
    "华东": dict(n0=205, acq=(40, 48, 48), level=(1.00, 1.04, 1.10), churn=0.85, resp=11.0),
    "华南": dict(n0=165, acq=(34, 42, 42), level=(1.00, 1.035, 1.11), churn=0.90, resp=12.0),
    "华中": dict(n0=120, acq=(21, 23, 23), level=(1.00, 1.01, 1.02), churn=1.00, resp=16.0),
    "西南": dict(n0=140, acq=(26, 30, 30), level=(1.00, 1.06, 1.29), churn=1.00, resp=15.0),
    "西北": dict(n0=110, acq=(14, 15, 15), level=(1.00, 1.045, 1.09), churn=1.15, resp=20.0),
}
_ACQ_2025 = 0.80
"""Company-wide slowdown of new-customer acquisition in 2025."""

_CADENCE_SHAPE = 3.0
"""Jitter of the monthly reorder need (Gamma shape; larger = more regular ordering)."""

_SEGMENTS = ("大客户", "中型企业", "小微企业")
_SEG = dict(
    mix_initial=np.array([0.12, 0.35, 0.53]),
    mix_new=np.array([0.05, 0.30, 0.65]),
    order_rate=np.array([1.26, 0.71, 0.38]),  # orders per active month
    extra_lines=np.array([0.35, 0.25, 0.12]),  # Poisson mean of lines beyond the first
    qty_mult=np.array([1.25, 1.0, 0.6]),
    discount=np.array([0.12, 0.06, 0.02]),
    churn_annual=np.array([0.02, 0.06, 0.11]),
    complaint_rate=np.array([0.085, 0.040, 0.022]),  # tickets per active month
)

_INDUSTRIES = ("汽车制造", "电子电器", "机械加工", "新能源", "食品饮料", "化工", "医药", "物流仓储", "冶金", "纺织服装")
_INDUSTRY_WEIGHTS = np.array([0.16, 0.15, 0.16, 0.10, 0.08, 0.08, 0.06, 0.08, 0.07, 0.06])
_INDUSTRY_WORD = {
    "汽车制造": ("汽车零部件", "汽车配件", "车辆部件"),
    "电子电器": ("电子", "电器", "光电"),
    "机械加工": ("机电", "机械", "精密机械", "机械制造"),
    "新能源": ("新能源科技", "能源科技", "电池科技"),
    "食品饮料": ("食品", "饮品", "食品科技"),
    "化工": ("化工", "新材料", "精细化工"),
    "医药": ("制药", "医药科技", "生物科技"),
    "物流仓储": ("物流", "供应链", "仓储设备"),
    "冶金": ("钢铁", "金属制品", "有色金属"),
    "纺织服装": ("纺织", "服饰", "化纤"),
}

_PRODUCTS: dict[str, tuple[tuple[str, float, float], ...]] = {
    # (product, list price in 元, typical quantity per line)
    "智能控制系统": (
        ("KX-100 PLC控制柜", 32000.0, 1.4),
        ("KX-300 DCS控制站", 56000.0, 1.05),
        ("智控云平台授权", 24000.0, 1.3),
        ("TP-12 触摸屏HMI", 6800.0, 3.0),
        ("MC-8 运动控制器", 15800.0, 2.0),
    ),
    "工业传感器": (
        ("PT-20 压力变送器", 1850.0, 14.0),
        ("TS-5 温度传感器", 680.0, 34.0),
        ("OP-3 光电传感器", 420.0, 50.0),
        ("LD-50 激光测距传感器", 3600.0, 7.0),
        ("VC-2 视觉检测相机", 12800.0, 1.6),
    ),
    "自动化设备": (
        ("R6-20 六轴工业机器人", 92000.0, 1.0),
        ("AG-500 AGV搬运车", 72000.0, 1.05),
        ("CR-5 协作机器人", 66000.0, 1.1),
        ("SC-200 智能输送线模块", 42000.0, 1.3),
        ("VS-1 视觉分拣工作站", 58000.0, 1.0),
    ),
    "配件与耗材": (
        ("SV-750W 伺服电机", 2300.0, 9.0),
        ("RM-8 继电器模块", 260.0, 75.0),
        ("工业连接线缆(100米)", 880.0, 20.0),
        ("滤芯及密封件套装", 360.0, 54.0),
        ("EV-24 电磁阀", 540.0, 36.0),
    ),
}
_LINE_WEIGHTS = np.array(  # product-line mix of order lines in 2023, by segment
    [
        [0.27, 0.27, 0.09, 0.37],  # 大客户
        [0.23, 0.31, 0.05, 0.41],  # 中型企业
        [0.14, 0.35, 0.015, 0.495],  # 小微企业
    ]
)
_LINE_TREND = np.array([1.20, 1.05, 1.03, 0.92])
"""Yearly multiplier of each product line's weight in the mix."""
_LINE_PRICE_TREND = np.array([0.02, 0.01, 0.02, 0.00])
"""Yearly list-price increase per product line."""

_MONTH_FACTOR = np.array([0.95, 0.95, 1.05, 1.00, 0.95, 1.10, 0.90, 0.92, 1.05, 1.00, 1.15, 1.38])
"""Budget cycle by month of year (on top of working days and the Spring Festival)."""
_SPRING_FESTIVAL = {2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29)}

_STORY = dict(
    region="西南",
    start_month=24,  # month index of 2025-01
    # 西南 median first-response hours for the quarters of 2025 (Q1 … Q4)
    resp_2025=(56.0, 66.0, 70.0, 68.0),
    service_2024q4=-0.60,  # the first signs, late 2024
    service_2025=(-1.0, -1.0, -1.05, -1.05),  # service level on the experience scale
    complaint_mult_2025=1.7,
    slow_penalty=0.45,  # experience penalty of one ticket answered after the promise
    penalty_decay=0.88,  # monthly decay of ticket penalties
    churn_beta=1.20,  # churn hazard × exp(-beta · experience)
    wallet_beta=0.30,  # order rate × exp(wallet_beta · experience)
    price_2025=-0.22,  # company-wide price perception slip in 2025
)
_PROMISE_HOURS = 48

_CATEGORIES = ("售后响应慢", "产品质量", "交付延迟", "价格争议", "销售服务", "发票账务")
_CATEGORY_WEIGHTS = np.array([0.15, 0.26, 0.20, 0.13, 0.13, 0.13])
_CATEGORY_RESP = np.array([1.0, 1.0, 0.9, 1.1, 0.8, 0.85])  # first-response factor
_CATEGORY_RESOLVE_H = np.array([40.0, 110.0, 80.0, 130.0, 36.0, 60.0])  # median hours to resolve
_TICKET_CHANNELS = ("客服热线", "微信服务号", "邮件", "销售代表转交", "在线客服")
_TICKET_CHANNEL_W = np.array([0.38, 0.24, 0.12, 0.14, 0.12])

_SALES_CHANNELS = ("直销", "经销商", "线上商城")
_CHANNEL_BY_SEG = np.array([[0.90, 0.10, 0.00], [0.60, 0.35, 0.05], [0.12, 0.50, 0.38]])


_CITIES = {
    "华北": (("北京", "010"), ("天津", "022"), ("石家庄", "0311"), ("太原", "0351"), ("唐山", "0315"), ("保定", "0312")),
    "华东": (("上海", "021"), ("苏州", "0512"), ("杭州", "0571"), ("南京", "025"), ("宁波", "0574"), ("无锡", "0510"), ("合肥", "0551"), ("青岛", "0532")),
    "华南": (("广州", "020"), ("深圳", "0755"), ("东莞", "0769"), ("佛山", "0757"), ("厦门", "0592"), ("南宁", "0771")),
    "华中": (("武汉", "027"), ("长沙", "0731"), ("郑州", "0371"), ("南昌", "0791"), ("襄阳", "0710")),
    "西南": (("成都", "028"), ("重庆", "023"), ("昆明", "0871"), ("贵阳", "0851"), ("绵阳", "0816")),
    "西北": (("西安", "029"), ("兰州", "0931"), ("银川", "0951"), ("乌鲁木齐", "0991"), ("宝鸡", "0917")),
}
_BRANDS = (
    ("锐达", "ruida"), ("恒通", "hengtong"), ("鑫源", "xinyuan"), ("华腾", "huateng"), ("宏远", "hongyuan"),
    ("博创", "bochuang"), ("金桥", "jinqiao"), ("天成", "tiancheng"), ("瑞丰", "ruifeng"), ("众合", "zhonghe"),
    ("德力", "deli"), ("永盛", "yongsheng"), ("海川", "haichuan"), ("凯信", "kaixin"), ("精工", "jinggong"),
    ("联创", "lianchuang"), ("正泰", "zhengtai"), ("远航", "yuanhang"), ("新锐", "xinrui"), ("昌盛", "changsheng"),
    ("汇丰", "huifeng"), ("立信", "lixin"), ("同辉", "tonghui"), ("泰和", "taihe"), ("中兴", "zhongxing"),
    ("安捷", "anjie"), ("盛达", "shengda"), ("嘉禾", "jiahe"), ("宇航", "yuhang"), ("力拓", "lituo"),
    ("启明", "qiming"), ("华安", "huaan"), ("东升", "dongsheng"), ("佳和", "jiahe2"), ("润泽", "runze"),
    ("科达", "keda"), ("万通", "wantong"), ("隆基", "longji"), ("兴业", "xingye"), ("明阳", "mingyang"),
)
_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "科技有限公司", "制造有限公司")
_PUBLIC_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5), (10, 6), (10, 7))
_SURNAMES = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
    ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.1), ("吴", "wu", 2.0), ("周", "zhou", 1.9),
    ("徐", "xu", 1.5), ("孙", "sun", 1.4), ("马", "ma", 1.3), ("朱", "zhu", 1.2), ("胡", "hu", 1.1),
    ("郭", "guo", 1.1), ("何", "he", 1.0), ("高", "gao", 0.9), ("林", "lin", 0.9), ("罗", "luo", 0.9),
    ("郑", "zheng", 0.8), ("梁", "liang", 0.8), ("谢", "xie", 0.7), ("宋", "song", 0.6), ("唐", "tang", 0.6),
)
_GIVEN = (
    ("伟", "wei"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"),
    ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
    ("建华", "jianhua"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("晓东", "xiaodong"), ("文博", "wenbo"),
    ("子涵", "zihan"), ("雪梅", "xuemei"), ("国栋", "guodong"), ("俊杰", "junjie"), ("丽华", "lihua"),
    ("春生", "chunsheng"), ("振宇", "zhenyu"), ("佳怡", "jiayi"), ("宏伟", "hongwei"), ("婷", "ting"),
    ("建国", "jianguo"), ("丽娟", "lijuan"), ("志明", "zhiming"), ("晓燕", "xiaoyan"), ("永红", "yonghong"),
    ("鹏", "peng"), ("斌", "bin"), ("浩然", "haoran"), ("欣怡", "xinyi"), ("国强", "guoqiang"),
    ("红梅", "hongmei"), ("建军", "jianjun"), ("亚楠", "yanan"), ("凯", "kai"), ("玉兰", "yulan"),
)
_MOBILE_PREFIX = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                  "156", "157", "158", "159", "166", "170", "171", "173", "176", "177", "178", "180", "181",
                  "182", "183", "185", "186", "187", "188", "189", "191", "198", "199")
_FREE_MAIL = ("qq.com", "163.com", "126.com", "sina.com")


def _month_start(m: int) -> date:
    return date(2023 + m // 12, m % 12 + 1, 1)


def _day_weights() -> tuple[np.ndarray, np.ndarray]:
    """Daily weights of order activity and of complaint tickets, 2023-01-01 … 2025-12-31."""
    n = (date(2025, 12, 31) - _FIRST_DAY).days + 1
    days = [_FIRST_DAY + timedelta(i) for i in range(n)]
    dow = np.array([d.weekday() for d in days])
    orders = np.where(dow < 5, 1.0, np.where(dow == 5, 0.25, 0.08))
    tickets = np.where(dow < 5, 1.0, 0.45)
    for year, sf in _SPRING_FESTIVAL.items():
        for i, d in enumerate(days):
            if d.year != year and abs((d - sf).days) > 30:
                continue
            k = (d - sf).days
            if -3 <= k <= 9:
                orders[i] *= 0.08
                tickets[i] *= 0.35
            elif -12 <= k < -3:
                orders[i] *= 0.55
            elif 9 < k <= 20:
                orders[i] *= 0.70
    for i, d in enumerate(days):
        if (d.month, d.day) in _PUBLIC_HOLIDAYS:  # New Year, Labour Day, National Day
            orders[i] *= 0.10
            tickets[i] *= 0.5
    return orders, tickets


def _pick(rng: np.random.Generator, items, n: int, p=None) -> np.ndarray:
    """``n`` indices into ``items``, with weights ``p`` (normalised here) or uniform."""
    idx = rng.choice(len(items), size=n, p=None if p is None else np.asarray(p) / np.sum(p))
    return idx
