"""The bundled demo workspace: a synthetic Chinese B2B company with a story to find.

:func:`generate_sample` writes a complete workspace folder (``workspace.yaml``
plus one file per table) for **华信智能装备有限公司**, a fictitious maker of
industrial-automation equipment that sells four product lines (智能控制系统,
工业传感器, 自动化设备, 配件与耗材) in six regions (华北, 华东, 华南, 华中, 西南,
西北) from 2023-01-01 to 2025-12-31. ``data/sample/`` is its output for the
default seed; ``salesnb sample`` and the tests regenerate it.

The story
---------
In 2025 the 西南 (south-west) after-sales team falls behind: the median first
response to a complaint ticket goes from about 15 h (2023–24) to about 60 h
from 2025Q1 on, so most 西南 tickets break the 48-hour promise while every
other region stays within 10–24 h (the first signs show in 2024Q4, about
1.8× slower). Everything downstream follows from the customers' experience,
not from hard-coded outcomes:

* more 西南 tickets, and many more of the category 售后响应慢;
* 西南 survey answers to ``after_sales`` and ``response_speed`` drop by about
  half a point, detractors rise and its NPS falls by roughly 30–40 points;
  西南 detractors' comments talk about slow after-sales service, and so do the
  2025 西南 key-account interviews;
* 西南 customers churn faster (the monthly churn hazard rises with a bad
  experience) and the survivors buy less, so 西南 revenue, which grew about
  15 % in 2024, falls a few per cent in 2025 although its market kept growing
  (its underlying demand trend, ``level``, is up in 2025).

Weaker, secondary signals: company-wide new-customer acquisition slows in 2025
(about −20 %), price perception slips a little in 2025 (about −0.2 points in
every region), 智能控制系统 grows fast while 配件与耗材 declines, 华东 and 华南
grow best, Q1 is weak around the Spring Festival and Q4 strong.

Revenue per region and year carries sampling noise of about ±6 % (a few large
accounts, lumpy capital-equipment orders), as real data would; the story's
checks in ``tests/test_sample.py`` hold for the default seed and for about
nine seeds in ten (30 seeds tried).

How it is simulated
-------------------
A monthly loop over 36 months moves about 1,400 customers: each month new
customers arrive (a Poisson pace per region and year), active customers open
complaint tickets (rate by segment, region and quarter), tickets answered
after 48 h leave a decaying penalty on the customer's *experience*
(a customer baseline + the region's service level + ticket penalties), the
churn hazard is ``base(segment) × region × exp(−β · experience)``, and orders
follow a reorder cadence (a jittered monthly "need" accumulates and each whole
unit becomes an order) whose rate is segment × customer activity ×
seasonality × regional trend × ``exp(wallet_beta · experience)``. Order lines,
survey answers (the dimension scores are driven by the same experience, and
NPS by the dimension scores), comments, tickets and interview notes are then
drawn vectorised.

Knobs
-----
Module-level tables hold every assumption: ``_REGION_PARAMS`` (starting
customers, acquisition pace, spend trend, churn multiplier, first-response
median), ``_SEGMENTS``/``_SEG`` (mix, order rate, lines per order, churn,
complaints), ``_PRODUCTS`` (list prices, typical quantities), ``_LINE_WEIGHTS``
and ``_LINE_TREND`` (product-line mix and its growth), ``_MONTH_FACTOR`` and
``_SPRING_FESTIVAL`` (seasonality), ``_CADENCE_SHAPE`` (how regular reorders
are), ``_STORY`` (the 西南 degradation: start, response medians, service level,
complaint rate, churn and spending sensitivity, the 2025 price slip) and
``_ACQ_2025`` (the company-wide 2025 acquisition slowdown).

Files and their formats (chosen to exercise the reader)
-------------------------------------------------------
``sales.csv``        UTF-8 with BOM, Chinese headers; customer ids are purely
                     numeric with leading zeros (``000123``), so a reader that
                     parses them as numbers breaks the join with customers;
                     about 1 % return lines (negative quantity and amount, own
                     order number, dated after the original order).
``customers.xlsx``   Chinese headers, ids stored as text cells, dates as dates,
                     mobiles and landlines as text (personal data to mask).
``surveys.csv``      UTF-8, English headers, blank answers where skipped.
``complaints.csv``   GB18030, Chinese headers, ``YYYY-MM-DD HH:MM`` times;
                     tickets still open at the extract time have a blank
                     解决时间 (and, rarely, a blank 首次响应时间).
``interviews.csv``   UTF-8, key-account interview notes.
``workspace.yaml``   commented in Chinese and English, usable as a template.

Every file is byte-for-byte reproducible for a seed: floats are formatted
explicitly, CSVs are written with :mod:`csv`, and the workbook's timestamps
and ZIP entry dates are fixed (its ZIP entries are stored uncompressed so the
bytes do not depend on the zlib build).

Examples
--------
>>> import tempfile, pathlib
>>> out = generate_sample(pathlib.Path(tempfile.mkdtemp()) / "ws")  # doctest: +SKIP
>>> sorted(p.name for p in out.iterdir())  # doctest: +SKIP
['complaints.csv', 'customers.xlsx', 'interviews.csv', 'sales.csv', 'surveys.csv', 'workspace.yaml']
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

__all__ = ["generate_sample", "DEFAULT_SEED", "COMPANY_NAME", "REGIONS", "PRODUCT_LINES", "SAMPLE_FILES"]

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

# --------------------------------------------------------------------------- knobs

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

# ------------------------------------------------------------------ names and places

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

# ------------------------------------------------------------------------- helpers


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


def _fmt_amount(x: float) -> str:
    s = f"{x:.2f}"
    return "0.00" if s == "-0.00" else s


def _fmt_dt(minutes: np.ndarray) -> list[str]:
    """Minutes since 2023-01-01 00:00 → ``YYYY-MM-DD HH:MM``."""
    base = datetime(2023, 1, 1)
    return [(base + timedelta(minutes=int(m))).strftime("%Y-%m-%d %H:%M") for m in minutes]


def _write_csv(path: Path, header: list[str], rows, encoding: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------------- customers


def _make_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    sw = np.array([s[2] for s in _SURNAMES])
    si = _pick(rng, _SURNAMES, n, sw)
    gi = _pick(rng, _GIVEN, n)
    names, pinyin = [], []
    for k in range(n):
        g, gp = _GIVEN[gi[k]]
        names.append(_SURNAMES[si[k]][0] + g)
        pinyin.append(_SURNAMES[si[k]][1] + "." + gp if rng.random() < 0.5 else gp + "." + _SURNAMES[si[k]][1])
    return names, pinyin


def _make_customers(rng: np.random.Generator) -> dict:
    """Customer master: initial base, dormant records and arrivals over 36 months."""
    regions, segs, start, created, dormant = [], [], [], [], []
    for r, region in enumerate(REGIONS):
        p = _REGION_PARAMS[region]
        n0 = p["n0"]
        regions += [r] * n0
        segs += list(_pick(rng, _SEGMENTS, n0, _SEG["mix_initial"]))
        start += [0] * n0
        # created before 2023, more recent ones more likely
        age_days = np.floor(rng.gamma(1.6, 520.0, n0)).astype(int) + 1
        created += [(_FIRST_DAY - timedelta(int(min(a, 2900)))) for a in age_days]
        dormant += [False] * n0
        nd = max(3, n0 // 25)  # records of customers lost before 2023
        regions += [r] * nd
        segs += list(_pick(rng, _SEGMENTS, nd, [0.04, 0.30, 0.66]))
        start += [-1] * nd
        created += [date(2016, 1, 1) + timedelta(int(x)) for x in rng.integers(0, 5 * 365, nd)]
        dormant += [True] * nd
        for y, year in enumerate(_YEARS):
            rate = p["acq"][y] * (_ACQ_2025 if year == 2025 else 1.0)
            # a little seasonality in acquisition as well (fewer in Jan/Feb)
            w = _MONTH_FACTOR * np.array([0.7, 0.7] + [1.0] * 10)
            counts = rng.poisson(rate * w / w.sum())
            for mo, c in enumerate(counts):
                m = y * 12 + mo
                first = _month_start(m)
                ndays = (_month_start(m + 1) - first).days if m < 35 else 31
                for _ in range(c):
                    regions.append(r)
                    segs.append(_pick(rng, _SEGMENTS, 1, _SEG["mix_new"])[0])
                    start.append(m)
                    created.append(first + timedelta(int(rng.integers(0, ndays))))
                    dormant.append(False)
    n = len(regions)
    order = sorted(range(n), key=lambda i: (created[i], regions[i], rng.random()))
    # apply the order to every list (ids follow the creation date)
    regions = np.array([regions[i] for i in order])
    segs = np.array([segs[i] for i in order])
    start = np.array([start[i] for i in order])
    created = [created[i] for i in order]
    dormant = np.array([dormant[i] for i in order])
    ids = [f"{k + 1:06d}" for k in range(n)]
    return dict(
        n=n, id=ids, region=regions, segment=segs, start=start, created=created, dormant=dormant,
        industry=_pick(rng, _INDUSTRIES, n, _INDUSTRY_WEIGHTS),
        city=np.array([rng.integers(0, len(_CITIES[REGIONS[r]])) for r in regions]),
        activity=rng.gamma(6.0, 1 / 6.0, n),
        size=np.exp(rng.normal(0.0, 0.20, n)),
        base_exp=rng.normal(0.0, 0.55, n),
        channel=np.array([_pick(rng, _SALES_CHANNELS, 1, _CHANNEL_BY_SEG[s])[0] for s in segs]),
    )


def _customer_details(rng: np.random.Generator, cust: dict) -> dict:
    """Names, contacts, phones, e-mails and the assigned sales rep of every customer."""
    n = cust["n"]
    brand = _pick(rng, _BRANDS, n * 2)
    word_pick = rng.integers(0, 3, n * 2)
    suffix = _pick(rng, _SUFFIXES, n * 2)
    names, used = [], set()
    k = 0
    for i in range(n):
        city, _ = _CITIES[REGIONS[cust["region"][i]]][cust["city"][i]]
        words = _INDUSTRY_WORD[_INDUSTRIES[cust["industry"][i]]]
        while True:
            b = _BRANDS[brand[k % (2 * n)]][0]
            word = words[word_pick[k % (2 * n)] % len(words)]
            suf = _SUFFIXES[suffix[k % (2 * n)]]
            if word.endswith("科技") or word.endswith("制造"):
                suf = "股份有限公司" if suf == "股份有限公司" else "有限公司"
            name = f"{city}{b}{word}{suf}"
            k += 1
            if name not in used:
                break
            if k > 4 * n:  # practically never: make it unique
                name = name.replace("有限公司", f"{i % 9 + 1}号厂有限公司")
                break
        used.add(name)
        names.append(name)
    contacts, contact_py = _make_names(rng, n)
    kind = rng.random(n)
    phones = []
    for i in range(n):
        if kind[i] < 0.78:
            phones.append(_MOBILE_PREFIX[rng.integers(0, len(_MOBILE_PREFIX))] + f"{rng.integers(0, 10**8):08d}")
        elif kind[i] < 0.96:
            code = _CITIES[REGIONS[cust["region"][i]]][cust["city"][i]][1]
            digits = 8 if len(code) == 3 else int(rng.choice([7, 8]))
            first = str(int(rng.integers(2, 9)))
            phones.append(f"{code}-{first}{rng.integers(0, 10 ** (digits - 1)):0{digits - 1}d}")
        else:
            phones.append("")
    emails = []
    ekind = rng.random(n)
    for i in range(n):
        brand_py = next(py for zh, py in _BRANDS if zh in names[i][2:6])
        if ekind[i] < 0.62:
            tld = ".com.cn" if rng.random() < 0.5 else ".com"
            emails.append(f"{contact_py[i]}@{brand_py.rstrip('2')}{'-' + str(i % 7) if rng.random() < 0.15 else ''}{tld}")
        elif ekind[i] < 0.80:
            emails.append(f"{rng.integers(10**7, 10**10)}@qq.com")
        elif ekind[i] < 0.93:
            emails.append(f"{contact_py[i].replace('.', '')}{rng.integers(1, 999)}@{_FREE_MAIL[1 + rng.integers(0, 3)]}")
        else:
            emails.append("")
    reps_by_region, _ = _make_names(rng, 4 * len(REGIONS))
    reps = {REGIONS[r]: reps_by_region[4 * r: 4 * r + 4] for r in range(len(REGIONS))}
    rep_idx = rng.integers(0, 4, n)
    return dict(name=names, contact=contacts, phone=phones, email=emails, reps=reps, rep_idx=rep_idx)


# --------------------------------------------------------------------- simulation


def _quarter_of_month(m: int) -> int:
    return m // 3  # 0 … 11


def _response_median(region: int) -> np.ndarray:
    """Median first-response hours of a region per quarter (12 quarters)."""
    name = REGIONS[region]
    base = _REGION_PARAMS[name]["resp"]
    out = np.full(12, base)
    out *= np.linspace(1.02, 0.96, 12)  # slow general improvement
    if name == _STORY["region"]:
        out[7] = base * 1.8  # 2024Q4: the first signs
        out[8:12] = _STORY["resp_2025"]
    return out


def _service_level(region: int) -> np.ndarray:
    out = np.zeros(12)
    if REGIONS[region] == _STORY["region"]:
        out[7] = _STORY["service_2024q4"]
        out[8:12] = _STORY["service_2025"]
    return out


def _simulate(rng: np.random.Generator, cust: dict, order_w: np.ndarray) -> dict:
    """The monthly loop: arrivals, tickets, experience, churn and orders (see the module docstring)."""
    n = cust["n"]
    region, seg = cust["region"], cust["segment"]
    resp_med = np.array([_response_median(r) for r in range(len(REGIONS))])  # (6, 12)
    service = np.array([_service_level(r) for r in range(len(REGIONS))])
    month_days = np.array([(_month_start(m + 1) - _month_start(m)).days if m < 35 else 31 for m in range(_N_MONTHS)])
    starts = np.concatenate([[0], np.cumsum(month_days)])
    order_mass = np.array([order_w[starts[m]: starts[m + 1]].sum() for m in range(_N_MONTHS)])
    season = _MONTH_FACTOR[np.arange(_N_MONTHS) % 12] * order_mass / order_mass.mean()
    levels = np.array([_REGION_PARAMS[r]["level"] for r in REGIONS])  # (6, 3)
    mid = np.array([5.5, 17.5, 29.5])
    level_m = np.array([np.interp(np.arange(_N_MONTHS), mid, levels[r]) for r in range(len(REGIONS))])
    # extrapolate the last year's trend beyond mid-2025 and before mid-2023
    for r in range(len(REGIONS)):
        slope_end = (levels[r, 2] - levels[r, 1]) / 12
        slope_start = (levels[r, 1] - levels[r, 0]) / 12
        level_m[r, 30:] = levels[r, 2] + slope_end * (np.arange(30, 36) - 29.5)
        level_m[r, :6] = levels[r, 0] + slope_start * (np.arange(0, 6) - 5.5)
    churn_mult = np.array([_REGION_PARAMS[r]["churn"] for r in REGIONS])
    h_base = 1 - (1 - _SEG["churn_annual"]) ** (1 / 12)

    is_new = np.array([d >= _FIRST_DAY for d in cust["created"]])
    active = (cust["start"] == 0) & ~is_new  # the base on 2023-01-01
    churn_month = np.full(n, -1)
    penalty = np.zeros(n)
    need = rng.random(n)  # order accumulator (random phase)
    exp_hist = np.zeros((n, _N_MONTHS))
    pen_hist = np.zeros((n, _N_MONTHS))
    o_cust, o_month = [], []
    t_cust, t_month, t_cat, t_resp = [], [], [], []
    cat_w = _CATEGORY_WEIGHTS
    for m in range(_N_MONTHS):
        q = _quarter_of_month(m)
        arriving = (cust["start"] == m) & is_new
        active |= arriving
        idx = np.flatnonzero(active)
        # complaints of this month
        story = REGIONS.index(_STORY["region"])
        cmult = np.where((region[idx] == story) & (m >= _STORY["start_month"]), _STORY["complaint_mult_2025"], 1.0)
        lam_c = _SEG["complaint_rate"][seg[idx]] * cmult
        n_c = rng.poisson(lam_c)
        tc = np.repeat(idx, n_c)
        if len(tc):
            med = resp_med[region[tc], q]
            slow_w = (med / 15.0) ** 1.25  # slow service → more 售后响应慢 tickets
            w = np.tile(cat_w, (len(tc), 1))
            w[:, 0] *= slow_w
            w /= w.sum(axis=1, keepdims=True)
            u = rng.random(len(tc))
            cat = (u[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, len(_CATEGORIES) - 1)
            hours = med * _CATEGORY_RESP[cat] * np.exp(rng.normal(0.0, 0.55, len(tc)))
            hours = np.maximum(hours, 0.2)
            t_cust.append(tc)
            t_month.append(np.full(len(tc), m))
            t_cat.append(cat)
            t_resp.append(hours)
            np.add.at(penalty, tc, np.where(hours > _PROMISE_HOURS, -_STORY["slow_penalty"], -0.05))
        experience = cust["base_exp"] + service[region, q] + penalty
        exp_hist[:, m] = experience
        pen_hist[:, m] = penalty
        # churn (not in the month of arrival)
        h = h_base[seg] * churn_mult[region] * np.exp(-_STORY["churn_beta"] * experience)
        leave = active & ~arriving & (rng.random(n) < h)
        churn_month[leave] = m
        active &= ~leave
        # orders
        idx = np.flatnonzero(active)
        lam_o = (
            _SEG["order_rate"][seg[idx]] * cust["activity"][idx] * season[m] * level_m[region[idx], m]
            * np.exp(_STORY["wallet_beta"] * np.minimum(experience[idx], 0.5))
        )
        # B2B customers reorder on a cadence: each month adds a jittered "need" to an
        # accumulator and every whole unit becomes an order (less noisy than Poisson)
        new = arriving[idx]
        need[idx[new]] = np.maximum(need[idx[new]], np.where(rng.random(new.sum()) < 0.9, 1.0, 0.0))
        need[idx] += lam_o * rng.gamma(_CADENCE_SHAPE, 1 / _CADENCE_SHAPE, len(idx))
        n_o = np.floor(need[idx]).astype(int)
        need[idx] -= n_o
        oc = np.repeat(idx, n_o)
        o_cust.append(oc)
        o_month.append(np.full(len(oc), m))
        penalty *= _STORY["penalty_decay"]
    return dict(
        o_cust=np.concatenate(o_cust), o_month=np.concatenate(o_month),
        t_cust=np.concatenate(t_cust), t_month=np.concatenate(t_month),
        t_cat=np.concatenate(t_cat), t_resp=np.concatenate(t_resp),
        churn_month=churn_month, exp_hist=exp_hist, pen_hist=pen_hist,
        service=service, resp_med=resp_med, month_starts=starts,
    )


def _sample_days(rng: np.random.Generator, months: np.ndarray, weights: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """A day index (days since 2023-01-01) inside each month, proportional to ``weights``."""
    cum = np.cumsum(weights)
    before = np.concatenate([[0.0], cum])[starts[months]]
    total = cum[starts[months + 1] - 1] - before
    target = before + rng.random(len(months)) * total
    day = np.searchsorted(cum, target, side="right")
    return np.minimum(day, starts[months + 1] - 1)


# ------------------------------------------------------------------------ sales


def _sales_rows(rng: np.random.Generator, cust: dict, det: dict, sim: dict, order_w: np.ndarray) -> tuple[list, dict]:
    starts = sim["month_starts"]
    oc, om = sim["o_cust"], sim["o_month"]
    day = _sample_days(rng, om, order_w, starts)
    created_day = np.array([(d - _FIRST_DAY).days for d in cust["created"]])
    early = day < created_day[oc]
    day[early] = np.minimum(created_day[oc][early] + rng.integers(0, 6, early.sum()), starts[om[early] + 1] - 1)
    n_orders = len(oc)
    seg = cust["segment"][oc]
    n_lines = 1 + rng.poisson(_SEG["extra_lines"][seg])
    # order-level attributes
    chan = np.where(rng.random(n_orders) < 0.9, cust["channel"][oc], rng.integers(0, 3, n_orders))
    rep_idx = np.where(rng.random(n_orders) < 0.97, det["rep_idx"][oc], rng.integers(0, 4, n_orders))
    # line level
    lo = np.repeat(np.arange(n_orders), n_lines)
    lc, lseg, lday = oc[lo], seg[lo], day[lo]
    years = lday / 365.25
    w = _LINE_WEIGHTS[lseg] * _LINE_TREND[None, :] ** years[:, None]
    w /= w.sum(axis=1, keepdims=True)
    line = (rng.random(len(lo))[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, 3)
    prod = np.zeros(len(lo), dtype=int)
    price = np.zeros(len(lo))
    qty = np.zeros(len(lo), dtype=int)
    for li, name in enumerate(PRODUCT_LINES):
        sel = np.flatnonzero(line == li)
        items = _PRODUCTS[name]
        pw = np.array([1.0 / np.sqrt(p[1]) for p in items]) ** 0.35
        pi = _pick(rng, items, len(sel), pw)
        prod[sel] = pi
        lp = np.array([items[k][1] for k in pi]) * (1 + _LINE_PRICE_TREND[li]) ** np.floor(years[sel])
        disc = _SEG["discount"][lseg[sel]] + rng.uniform(0, 0.05, len(sel))
        price[sel] = np.round(lp * (1 - disc), 0)
        typical = np.array([items[k][2] for k in pi])
        big = np.array([items[k][1] for k in pi]) >= 30000  # capital equipment: one or two per line
        mean_q = np.where(big, typical, typical * _SEG["qty_mult"][lseg[sel]] * cust["size"][lc[sel]])
        qty[sel] = 1 + rng.poisson(np.maximum(mean_q - 1, 0.05))
    # one line per product and order: a product drawn twice adds to the first line's quantity
    key = lo.astype(np.int64) * 64 + line * 8 + prod
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    merged_qty = np.zeros(len(first), dtype=int)
    np.add.at(merged_qty, inverse, qty)
    keep = np.sort(first)
    qty[first] = merged_qty
    lo, lc, lday, line, prod, price, qty = lo[keep], lc[keep], lday[keep], line[keep], prod[keep], price[keep], qty[keep]
    amount = qty * price
    # returns: about 1 % of lines come back 1–8 weeks later, partly or wholly
    ret = np.flatnonzero(rng.random(len(lo)) < 0.011)
    ret_day = lday[ret] + rng.integers(7, 57, len(ret))
    keep = ret_day <= (date(2025, 12, 31) - _FIRST_DAY).days
    ret, ret_day = ret[keep], ret_day[keep]
    ret_qty = np.maximum(1, np.floor(qty[ret] * rng.uniform(0.2, 1.0, len(ret)))).astype(int)
    # documents: orders and returns, numbered per year in date order
    doc_day = np.concatenate([day, ret_day])
    doc_cust = np.concatenate([oc, lc[ret]])
    doc_key = np.lexsort((np.arange(len(doc_day)), doc_cust, doc_day))
    doc_no = np.empty(len(doc_day), dtype=int)
    doc_year = np.array([(_FIRST_DAY + timedelta(int(d))).year for d in doc_day])
    counters = {y: 0 for y in _YEARS}
    for k in doc_key:
        counters[doc_year[k]] += 1
        doc_no[k] = counters[doc_year[k]]
    doc_id = [f"SO{doc_year[k]}{doc_no[k]:06d}" for k in range(len(doc_day))]
    # rows: order lines then return lines, sorted by document
    rows = []
    regions = cust["region"]
    for k in range(len(lo)):
        o = lo[k]
        c = lc[k]
        rows.append((
            doc_id[o], day[o], cust["id"][c], REGIONS[regions[c]], PRODUCT_LINES[line[k]],
            _PRODUCTS[PRODUCT_LINES[line[k]]][prod[k]][0], str(qty[k]), _fmt_amount(amount[k]),
            _SALES_CHANNELS[chan[o]], det["reps"][REGIONS[regions[c]]][rep_idx[o]],
        ))
    for j, k in enumerate(ret):
        o = lo[k]
        c = lc[k]
        rows.append((
            doc_id[n_orders + j], ret_day[j], cust["id"][c], REGIONS[regions[c]], PRODUCT_LINES[line[k]],
            _PRODUCTS[PRODUCT_LINES[line[k]]][prod[k]][0], str(-ret_qty[j]), _fmt_amount(-ret_qty[j] * price[k]),
            _SALES_CHANNELS[chan[o]], det["reps"][REGIONS[regions[c]]][rep_idx[o]],
        ))
    rows.sort(key=lambda r: (r[1], r[0]))
    out = [(r[0], (_FIRST_DAY + timedelta(int(r[1]))).isoformat(), *r[2:]) for r in rows]
    return out, dict(n_lines=len(out), n_returns=len(ret))


# --------------------------------------------------------------------- complaints

_FAULTS = ("频繁报警", "通讯中断", "无法启动", "定位精度下降", "运行中异常停机", "程序丢失", "数据采集异常", "伺服报过载")
_IMPACTS = ("产线停了大半天", "影响了交期", "造成一批产品返工", "我们的客户也在催", "生产计划全被打乱", "夜班只能停机等待")
_DEMANDS = ("尽快派工程师到现场", "明确售后响应时限", "在本地增加服务工程师", "先提供备用机", "给出书面处理说明", "安排专人跟进")


def _complaint_text(rng: np.random.Generator, cat: int, line: str, product: str, wait_h: float) -> str:
    r = lambda seq: seq[int(rng.integers(0, len(seq)))]  # noqa: E731
    days = max(1, int(round(wait_h / 24)))
    if cat == 0:
        t = r((
            f"{product}{r(_FAULTS)}，报修后等了{int(wait_h)}小时才有工程师回电，{r(_IMPACTS)}，希望{r(_DEMANDS)}。",
            f"售后热线多次占线，报修工单提交{days}天了没有人跟进，{r(_IMPACTS)}。",
            f"{line}设备{r(_FAULTS)}，工程师迟迟不到现场，{r(_IMPACTS)}，请{r(_DEMANDS)}。",
            f"合同承诺48小时内响应，这次实际等了{days}天，{r(_DEMANDS)}。",
            f"上周报修的{product}到现在还没人处理，催了{int(rng.integers(2, 6))}次都说在排队，{r(_IMPACTS)}。",
            f"售后响应太慢：{product}{r(_FAULTS)}，从报修到首次联系用了约{int(wait_h)}小时。",
        ))
    elif cat == 1:
        t = r((
            f"{product}使用不到{int(rng.integers(2, 7))}个月就{r(('损坏', '出现故障', '精度不达标', '读数漂移严重'))}，要求{r(('退换货', '派人检测', '出具质量分析报告', '延长质保'))}。",
            f"新到货的{product}开箱即有{r(('外壳开裂', '接口松动', '无法通电', '固件版本不对'))}，{r(('影响安装进度', '需要尽快更换', '要求追溯同批次产品'))}。",
            f"{line}批次一致性差，同一批{product}有{int(rng.integers(2, 9))}台需要返修。",
            f"{product}的{r(('控制板', '电源模块', '通讯模块', '减速机', '编码器'))}反复损坏，质保期内已更换{int(rng.integers(2, 4))}次。",
            f"{product}运行不稳定，{r(_FAULTS)}，已经是第{int(rng.integers(2, 5))}次了。",
        ))
    elif cat == 2:
        t = r((
            f"订购的{product}原定{int(rng.integers(1, 13))}月{int(rng.integers(1, 29))}日到货，实际延迟{int(rng.integers(5, 31))}天，{r(_IMPACTS)}。",
            f"{line}订单交期一再推迟，没有任何提前通知，{r(('要求给出确切发货时间', '需要赔偿延误损失', '希望改进交付沟通'))}。",
            f"{product}到货数量与订单不符，少发{int(rng.integers(1, 10))}件，补发又等了一周。",
        ))
    elif cat == 3:
        t = r((
            f"{product}报价比上次上涨{int(rng.integers(5, 19))}%，没有提前告知，希望重新议价。",
            f"同规格的{product}，竞品报价低{int(rng.integers(8, 25))}%左右，{r(('请给出合理解释', '希望给予年度折扣', '考虑更换供应商'))}。",
            f"年度框架协议价格没有执行到位，{product}按目录价结算了。",
        ))
    elif cat == 4:
        t = r((
            f"销售代表{r(('多次联系不上', '承诺的技术方案迟迟未提供', '对产品参数不熟悉', '更换对接人后没有交接'))}，{r(('影响项目推进', '希望更换对接人', '请公司关注'))}。",
            f"采购{line}时销售介绍的功能与实际不符，{r(('要求澄清', '希望安排技术人员讲解', '影响了验收'))}。",
            f"报价单多次出错，{product}型号写错，沟通效率太低。",
        ))
    else:
        t = r((
            f"{int(rng.integers(1, 13))}月的发票{r(('迟迟未开具', '抬头错误需要重开', '金额与对账单不符', '税率开错了'))}，影响我方付款流程。",
            f"对账单与实际收货不一致，{product}的退货款还没有冲销。",
            f"付款后{int(rng.integers(10, 40))}天仍未收到发票，财务多次催促。",
        ))
    return t


def _complaint_rows(rng: np.random.Generator, cust: dict, sim: dict, ticket_w: np.ndarray) -> list:
    starts = sim["month_starts"]
    tc, tm, cat, resp = sim["t_cust"], sim["t_month"], sim["t_cat"], sim["t_resp"]
    n = len(tc)
    day = _sample_days(rng, tm, ticket_w, starts)
    hour_w = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 3, 9, 12, 12, 10, 6, 9, 11, 11, 10, 8, 5, 4, 3, 3, 2, 1.5])
    hour = _pick(rng, range(24), n, hour_w)
    opened = day * 1440 + hour * 60 + rng.integers(0, 60, n)
    first = opened + np.maximum(1, np.round(resp * 60)).astype(int)
    med_res = _CATEGORY_RESOLVE_H[cat]
    story = REGIONS.index(_STORY["region"])
    med_res = med_res * np.where((cust["region"][tc] == story) & (tm >= _STORY["start_month"]), 1.5, 1.0)
    resolved = first + np.maximum(30, np.round(med_res * np.exp(rng.normal(0, 0.7, n)) * 60)).astype(int)
    cutoff = int((_EXTRACT_AT - datetime(2023, 1, 1)).total_seconds() // 60)
    order = np.lexsort((tc, opened))
    seg = cust["segment"][tc]
    chan = _pick(rng, _TICKET_CHANNELS, n, _TICKET_CHANNEL_W)
    opened_s, first_s, resolved_s = _fmt_dt(opened), _fmt_dt(first), _fmt_dt(resolved)
    # products a ticket may name: equipment for service and quality tickets, anything physical otherwise
    equipment = [(li, p[0]) for li in range(3) for p in _PRODUCTS[PRODUCT_LINES[li]] if "授权" not in p[0]]
    physical = equipment + [(3, p[0]) for p in _PRODUCTS[PRODUCT_LINES[3]]]
    rows, counters = [], {y: 0 for y in _YEARS}
    for k in order:
        year = 2023 + tm[k] // 12
        counters[year] += 1
        pool = equipment if cat[k] in (0, 1) else physical
        pw = np.array([_LINE_WEIGHTS[seg[k]][li] for li, _ in pool])
        li, product = pool[int(_pick(rng, pool, 1, pw)[0])]
        wait = max(resp[k] * float(np.exp(rng.normal(0.25, 0.3))), 30.0)
        text = _complaint_text(rng, int(cat[k]), PRODUCT_LINES[li], product, wait)
        rows.append((
            f"TK{year}{counters[year]:05d}", cust["id"][tc[k]], opened_s[k], _CATEGORIES[cat[k]],
            first_s[k] if first[k] <= cutoff else "", resolved_s[k] if resolved[k] <= cutoff else "",
            _TICKET_CHANNELS[chan[k]], text,
        ))
    return rows


# ------------------------------------------------------------------------ surveys

_POSITIVE = (
    "设备运行稳定，售后工程师很专业。", "产品质量可靠，交付及时，会继续合作。", "销售经理很专业，方案贴合我们的需求。",
    "性价比不错，已经推荐给同行。", "整体满意，希望继续保持。", "控制系统升级后产线效率提升明显。",
    "技术支持响应快，问题当天就解决了。", "传感器精度高，故障率低。", "服务态度好，有问题随叫随到。",
)
_PASSIVE = (
    "整体还可以，价格偏高。", "产品不错，希望多提供操作培训。", "交付周期能再短一些就好了。",
    "希望提供更多技术资料和培训。", "售后还行，就是有时候电话不好打通。", "备件有时要等，希望本地多备一些库存。",
    "希望报价更透明一些。", "功能够用，软件界面可以更友好。",
)
_NEG = {
    "after_sales": (
        "售后响应太慢，报修后两三天才有人来。", "设备坏了等工程师等了好几天，停产损失很大。",
        "售后电话打不通，工单没人跟进。", "承诺48小时响应，实际远远超过。", "本地服务工程师太少，售后响应跟不上。",
        "售后流程太复杂，报修要层层审批，响应慢。", "售后服务越来越差，响应慢，解决问题也慢。",
    ),
    "response_speed": (
        "反馈问题后迟迟没有回复，响应速度太慢。", "客服回复慢，催了好几次才有人处理。",
        "响应太慢，已经影响到我们的生产。",
    ),
    "quality": ("产品故障率偏高，返修频繁。", "传感器精度不稳定，经常要重新校准。", "新设备到货就有问题，质量把关不严。"),
    "price": ("价格比同行贵，性价比一般。", "每年都涨价，优惠力度太小。", "报价不透明，同样产品价格差别大。"),
    "sales_professionalism": ("销售只管卖，售后问题不管。", "对接人换了好几次，沟通成本很高。", "销售对产品参数不熟悉。"),
}
_LOST = (
    "已经改用其他供应商，主要是售后跟不上。", "换了供应商，对方价格更低。", "交期太长，耽误了我们的项目，已不再采购。",
    "设备问题迟迟解决不了，只能换供应商。", "项目结束了，暂时没有采购需求。", "售后响应太慢，停产损失太大，已经转向本地供应商。",
)
_NEG_TAIL = (
    "希望尽快改进。", "如果再不改善，我们会考虑其他供应商。", "这个问题已经反映过多次了。", "请管理层重视。",
    "希望能给个明确的处理时限。", "对合作的信心受到影响。",
)
_POS_TAIL = ("继续加油！", "希望保持。", "明年会增加采购。", "谢谢团队的支持。")
_DIMS = ("quality", "response_speed", "after_sales", "sales_professionalism", "price")
_DIM_MEAN = np.array([4.05, 3.85, 3.90, 4.10, 3.55])


def _survey_rows(rng: np.random.Generator, cust: dict, sim: dict) -> list:
    region, churn = cust["region"], sim["churn_month"]
    start = cust["start"]
    story = REGIONS.index(_STORY["region"])
    rows = []
    for q in range(12):
        year, qn = 2023 + q // 4, q % 4 + 1
        m = 3 * q + 2  # the wave runs in the last month of the quarter
        first = _month_start(m)
        lost_share = rng.uniform(0.15, 0.24)
        ids, types, regs, exps, pens = [], [], [], [], []
        for r in range(len(REGIONS)):
            n_r = int(rng.integers(52, 68))
            n_lost = int(round(n_r * lost_share))
            n_pros = int(rng.binomial(n_r, 0.04))
            n_cust = n_r - n_lost - n_pros
            act = np.flatnonzero((region == r) & (start >= 0) & (start <= m) & ((churn < 0) | (churn > m)))
            lost = np.flatnonzero((region == r) & (((churn >= 0) & (churn <= m) & (churn >= m - 24)) | cust["dormant"]))
            pick_a = rng.choice(act, size=min(n_cust, len(act)), replace=False)
            pick_l = rng.choice(lost, size=min(n_lost, len(lost)), replace=False)
            for i in pick_a:
                ids.append(i), types.append("customer"), regs.append(r)
                exps.append(sim["exp_hist"][i, m]), pens.append(sim["pen_hist"][i, m])
            for i in pick_l:
                mm = churn[i] if churn[i] >= 0 else 0
                ex = sim["exp_hist"][i, mm] if churn[i] >= 0 else cust["base_exp"][i]
                pe = sim["pen_hist"][i, mm] if churn[i] >= 0 else 0.0
                ids.append(i), types.append("lost"), regs.append(r), exps.append(ex - 0.6), pens.append(pe)
            for _ in range(n_pros):
                ids.append(-1), types.append("prospect"), regs.append(r), exps.append(rng.normal(0, 0.5)), pens.append(0.0)
        k = len(ids)
        ids_a, regs_a = np.array(ids), np.array(regs)
        exps_a, pens_a = np.array(exps), np.array(pens)
        svc = sim["service"][regs_a, q]
        base = np.where(ids_a >= 0, cust["base_exp"][np.maximum(ids_a, 0)], exps_a)
        lost_shift = np.where(np.array(types) == "lost", -0.6, 0.0)
        noise = lambda s, k=k: rng.normal(0, s, k)  # noqa: E731
        lat = np.empty((k, 5))
        lat[:, 0] = 0.6 * base + lost_shift + noise(0.75)
        lat[:, 1] = 0.5 * base + 0.72 * svc + 0.6 * pens_a + lost_shift + noise(0.75)
        lat[:, 2] = 0.5 * base + 0.72 * svc + 0.6 * pens_a + lost_shift + noise(0.75)
        lat[:, 3] = 0.4 * base + 0.4 * lost_shift + noise(0.75)
        lat[:, 4] = 0.3 * base + 0.4 * lost_shift + (_STORY["price_2025"] if year == 2025 else 0.0) + noise(0.8)
        scores = np.clip(np.rint(_DIM_MEAN + 0.95 * lat), 1, 5).astype(int)
        y = lat @ np.array([0.22, 0.26, 0.30, 0.10, 0.12]) + noise(0.45)
        nps = np.clip(np.rint(8.35 + 2.4 * y), 0, 10).astype(int)
        sat = np.clip(np.rint(4.18 + 1.05 * y + noise(0.35)), 1, 5).astype(int)
        blank_nps = rng.random(k) < 0.015
        blank_dim = rng.random((k, 5)) < 0.025
        pros = np.array(types) == "prospect"
        blank_dim[:, 2] |= pros & (rng.random(k) < 0.7)  # prospects rarely rate after-sales
        blank_sat = rng.random(k) < 0.01
        day_off = rng.integers(0, 21, k)
        chan = np.where(rng.random(k) < 0.65, "online", "phone")
        order = np.lexsort((rng.random(k), day_off))
        for seq, j in enumerate(order, 1):
            t = types[j]
            score = nps[j]
            # comment
            if t == "lost":
                comment = _LOST[int(rng.integers(0, len(_LOST)))] if rng.random() < 0.7 else ""
                if comment and regs_a[j] == story and year == 2025 and rng.random() < 0.6:
                    comment = _LOST[int(rng.choice([0, 3, 5]))]
            elif score >= 9:
                comment = _POSITIVE[int(rng.integers(0, len(_POSITIVE)))] if rng.random() < 0.55 else ""
            elif score >= 7:
                comment = _PASSIVE[int(rng.integers(0, len(_PASSIVE)))] if rng.random() < 0.5 else ""
            else:
                worst = _DIMS[int(np.argmin(lat[j] + rng.normal(0, 0.25, 5)))]
                if regs_a[j] == story and year == 2025 and rng.random() < 0.75:
                    worst = "after_sales" if rng.random() < 0.7 else "response_speed"
                pool = _NEG[worst]
                comment = pool[int(rng.integers(0, len(pool)))] if rng.random() < 0.8 else ""
                if comment and rng.random() < 0.45:
                    comment += _NEG_TAIL[int(rng.integers(0, len(_NEG_TAIL)))]
            if comment and t != "lost" and score >= 9 and rng.random() < 0.3:
                comment += _POS_TAIL[int(rng.integers(0, len(_POS_TAIL)))]
            i = ids_a[j]
            reg = REGIONS[regs_a[j]]
            if i >= 0 and rng.random() < 0.02:
                reg = ""  # left blank: taken from customers
            dims = ["" if blank_dim[j, d] else str(scores[j, d]) for d in range(5)]
            rows.append((
                f"R{year}Q{qn}-{seq:04d}", (first + timedelta(int(day_off[j]))).isoformat(), t,
                cust["id"][i] if i >= 0 else "", reg, "" if blank_nps[j] else str(score),
                "" if blank_sat[j] else str(sat[j]), *dims, chan[j], comment,
            ))
    return rows


# --------------------------------------------------------------------- interviews

_TITLES = ("设备部经理", "采购总监", "生产副总", "工程部主管", "总经理", "技术总监", "运维主管")
_INTERVIEWERS = ("周明（客户成功经理）", "林静（大客户部总监）", "陈志强（服务总监）", "郭海燕（市场部经理）")
_USES = {
    "汽车制造": ("焊装线改造", "总装线自动化升级", "零部件检测工位"),
    "电子电器": ("SMT车间自动化", "电子装配线升级", "视觉检测改造"),
    "机械加工": ("数控车间联网", "上下料自动化", "机加工产线改造"),
    "新能源": ("电池模组产线", "光伏组件产线", "储能柜装配线"),
    "食品饮料": ("包装线升级", "灌装线控制系统改造", "冷库物流自动化"),
    "化工": ("过程控制系统改造", "危化品仓储自动化", "反应釜温压监测"),
    "医药": ("洁净车间自动化", "包装线追溯系统", "制剂车间改造"),
    "物流仓储": ("自动分拣中心", "立体仓库改造", "AGV搬运系统"),
    "冶金": ("轧线控制系统", "炉温监测改造", "成品库自动化"),
    "纺织服装": ("印染车间控制改造", "仓储分拣自动化", "织造车间联网"),
}
_GOOD = (
    "对{line}的稳定性评价较高，认为故障率低于同类产品。",
    "认可销售团队的方案能力，项目交付基本按期。",
    "对智控云平台的数据看板比较满意，已在两个车间推广。",
    "认为产品性价比在国内品牌中处于前列。",
    "对上次改造项目的验收结果满意，计划明年扩大采购。",
    "认为我司工程师技术水平不错，现场调试效率高。",
)
_ISSUES = {
    "响应延迟": (
        "今年以来售后响应明显变慢，报修后常常要等两到三天才有工程师联系，产线停机损失较大。",
        "本地服务工程师人手不足，多次从外地调派，首次响应普遍超过48小时。",
        "售后工单流转环节多，从报修到派工要经过三级审批，响应时间拖长。",
    ),
    "备件供应": ("常用备件本地库存不足，等货周期一周以上。", "备件价格偏高且到货慢，影响设备维护计划。"),
    "交付周期": ("大型设备交付周期偏长，希望提前锁定排产。", "旺季交付经常延期，缺少主动告知。"),
    "价格": ("认为年度价格调整过于频繁，希望签订长期框架协议锁定价格。", "对比竞品，配件价格偏高。"),
    "培训": ("一线操作人员流动大，对新系统不熟悉，误操作导致的停机较多。", "新员工上手慢，缺少系统的操作培训。"),
    "技术支持": ("软件升级后部分参数需要重新配置，缺少说明文档。", "技术资料分散，查找故障代码说明不方便。"),
}
_SUGGEST = {
    "产品培训": "建议每季度组织一次现场产品培训，并提供视频教程。",
    "简化售后流程": "建议简化售后报修流程，一个电话即可派工。",
    "7×24热线": "希望开通7×24小时服务热线，承诺2小时内首次响应。",
    "备件本地化": "建议在区域中心仓备齐常用备件。",
    "远程诊断": "希望提供远程诊断服务，减少工程师上门等待时间。",
    "长期协议": "希望签订三年框架协议，价格和服务水平写入合同。",
    "专属客户经理": "希望为重点客户配备专属客户成功经理，定期回访。",
}


def _interview_rows(rng: np.random.Generator, cust: dict, det: dict, sim: dict) -> list:
    """Key-account interview notes, 2023Q3 … 2025Q4 (3–4 a quarter; 西南 in every 2025 quarter)."""
    story = REGIONS.index(_STORY["region"])
    churn = sim["churn_month"]
    r = lambda seq: seq[int(rng.integers(0, len(seq)))]  # noqa: E731
    rows = []
    for q in range(2, 12):
        m0 = 3 * q
        n_q = int(rng.integers(3, 5))
        key = np.flatnonzero((cust["segment"] == 0) & (cust["start"] >= 0) & (cust["start"] <= m0) & ((churn < 0) | (churn > m0 + 2)))
        regions = list(rng.choice(len(REGIONS), size=n_q, replace=False))
        if q >= 8 and story not in regions:
            regions[-1] = story
        for reg in sorted(regions):
            pool = key[cust["region"][key] == reg]
            if not len(pool):
                continue
            i = int(rng.choice(pool))
            d = _month_start(m0) + timedelta(int(rng.integers(10, 80)))
            line = PRODUCT_LINES[int(_pick(rng, PRODUCT_LINES, 1, _LINE_WEIGHTS[0])[0])]
            in_story = reg == story and q >= 8
            issues = list(rng.choice([k for k in _ISSUES if k != "响应延迟"], size=int(rng.integers(1, 3)), replace=False))
            if in_story:
                issues = ["响应延迟"] + issues[:1]
            sugg = list(rng.choice(list(_SUGGEST), size=int(rng.integers(1, 3)), replace=False))
            if in_story:
                sugg = ["简化售后流程"] + [x for x in sugg if x != "简化售后流程"][:1]
                if rng.random() < 0.6 and "7×24热线" not in sugg:
                    sugg.append("7×24热线")
            text = (
                f"与{det['contact'][i]}（{r(_TITLES)}）面谈，客户主要采购{line}，用于{r(_USES[_INDUSTRIES[cust['industry'][i]]])}。"
                + r(_GOOD).format(line=line)
                + "".join(r(_ISSUES[c]) for c in issues)
                + "".join(_SUGGEST[x] for x in sugg)
            )
            if in_story:
                text += r(("客户表示如果响应问题在下个季度仍得不到改善，将考虑引入第二供应商。",
                           "客户已开始接触本地竞争对手的服务团队。",
                           "客户希望我司书面承诺响应时限并定期通报改进进展。"))
            rows.append((d.isoformat(), cust["id"][i], text, r(_INTERVIEWERS), ";".join(dict.fromkeys(issues + sugg))))
    rows.sort()
    return [(f"IV{row[0][:4]}{k + 1:03d}", row[1], row[0], row[2], row[3], row[4]) for k, row in enumerate(rows)]


# ----------------------------------------------------------------------- workbook


def _write_customers_xlsx(path: Path, cust: dict, det: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "客户清单"
    header = ["客户编号", "客户名称", "区域", "客户细分", "行业", "建档日期", "联系人", "手机", "邮箱"]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i in range(cust["n"]):
        ws.append([
            cust["id"][i], det["name"][i], REGIONS[cust["region"][i]], _SEGMENTS[cust["segment"][i]],
            _INDUSTRIES[cust["industry"][i]], cust["created"][i], det["contact"][i],
            det["phone"][i] or None, det["email"][i] or None,
        ])
    for row in ws.iter_rows(min_row=2, max_col=9):
        row[0].number_format = "@"
        row[5].number_format = "yyyy-mm-dd"
        row[7].number_format = "@"
    for col, width in zip("ABCDEFGHI", (10, 34, 8, 10, 10, 12, 10, 16, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    wb.properties.creator = "salesnb sample"
    wb.properties.title = f"{COMPANY_NAME} 客户清单（示例数据）"
    buf = io.BytesIO()
    wb.save(buf)
    _rezip_deterministic(buf.getvalue(), path)


def _rezip_deterministic(data: bytes, path: Path) -> None:
    """Rewrite an xlsx with fixed timestamps (core properties and ZIP entry dates)."""
    stamp = _FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, content, compresslevel=6)
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------- yaml

_YAML_TEMPLATE = """\
# =============================================================================
# workspace.yaml —— 工作区配置 / workspace configuration
#
# 本文件描述一家公司的输入数据与计划参数；复制整个文件夹并替换数据文件，
# 即可作为贵公司的模板。
# Copy this folder, replace the data files and edit this file to make your own
# workspace. Unknown keys are errors (typos are caught), every section except
# `company` is optional.
#
# 示例数据（虚构）/ Demo data (fictitious): {company}
# 由 `salesnb sample` 生成（seed {seed}）。Generated by `salesnb sample` (seed {seed}).
# =============================================================================

# 公司信息 / Company
company:
  name: {company}
  currency: CNY          # 币种 / currency of the amounts
  unit: 元               # 数据文件中金额的单位 / unit of amounts in the files
  display_unit: 万元     # 报告中显示的单位 / unit shown in reports
  industry: 工业自动化设备

# 财年 / Fiscal calendar (1 = 财年从1月开始 / fiscal year starts in January)
calendar:
  fiscal_year_start_month: 1

# 数据文件 / Data files, one per table. 常见中文表头（订单号、下单日期、客户编号、
# 区域、产品线、销售额……）无需映射；如表头不同，用 `columns:` 映射，例如
# Common Chinese and English headers are recognised; map others with `columns:`:
#   sales: {{file: 销售明细.xlsx, sheet: 2025, columns: {{客户简码: customer_id}}}}
# 编码可省略（自动识别 UTF-8 / GB18030）/ `encoding:` is detected when omitted.
tables:
  sales: {{file: sales.csv}}            # 订单明细 / order lines (UTF-8 with BOM)
  customers: {{file: customers.xlsx}}   # 客户档案 / customer master
  surveys: {{file: surveys.csv}}        # 满意度问卷 / survey responses
  complaints: {{file: complaints.csv}}  # 投诉工单 / complaint tickets (GB18030)
  interviews: {{file: interviews.csv}}  # 大客户访谈 / key-account interviews
  # actions: {{file: actions.xlsx}}     # 改进措施台账 / improvement-action register (kept across periods)

# 报告中的名称 / Names in each report language (optional)
# 区域、产品线、投诉类型默认按数据原样显示；英文报告可用 en: 下的英文名称（zh: 反之）。
# Regions, product lines and complaint categories are shown as in the data; an English
# report uses the names under en: (a Chinese report those under zh:). Only what is shown changes.
# labels:
#   en:
#     region: {{华东: East China, 华南: South China, 华北: North China, 华中: Central China, 西南: South-west China, 西北: North-west China}}
#     product_line: {{智能控制系统: Smart control systems, 工业传感器: Industrial sensors, 配件与耗材: Parts and consumables, 自动化设备: Automation equipment}}
#     category: {{产品质量: Product quality, 交付延迟: Late delivery, 售后响应慢: Slow after-sales response, 价格争议: Price disputes, 发票账务: Billing, 销售服务: Sales service}}

# 满意度调研 / Satisfaction survey
survey:
  # 评分维度（1–5分）；key 为问卷中的列名 / dimensions rated 1–5; key = column in the survey file
  dimensions:
    - {{key: quality, en: Product quality, zh: 产品质量, aliases: [质量, product quality]}}
    - {{key: response_speed, en: Service response speed, zh: 服务响应速度, aliases: [响应速度, response speed]}}
    - {{key: after_sales, en: After-sales support, zh: 售后支持, aliases: [售后服务, after-sales, after sales]}}
    - {{key: sales_professionalism, en: Sales professionalism, zh: 销售专业度, aliases: [销售专业性, sales professionalism]}}
    - {{key: price, en: Price fairness, zh: 价格合理性, aliases: [价格, price fairness]}}
  # 下一轮抽样设计 / design of the next wave's sample
  # （框架示例为每区域100份；本公司每季度一轮，每区域约60份）
  # (the framework's example is 100 per region; this company runs a wave per quarter, ~60 per region)
  design:
    min_per_region: 60     # 每区域最少样本 / minimum answers per region
    min_lost_share: 0.2    # 流失客户至少占20% / lost customers at least 20 %
    allocation: proportional   # proportional 或 neyman
    seed: {seed}
    sample_size: 400       # 下一轮总样本量（省略 = 每区域最低样本 × 区域数）/ total sample (default: minimum × regions)

# 留存口径 / Retention window: 过去12个月有购买、本期12个月无购买即视为流失
# a customer is lost when it bought in the previous 12 months and not in the 12 months to the period end
retention:
  window_months: 12

# 阈值 / Thresholds
thresholds:
  response_promise_hours: 48   # 对客户承诺的首次响应时限（小时）/ first-response promise (hours)
  min_group_n: 30              # 样本少于30的分组不显示数值 / smaller groups are shown as "too few answers"

# 文本分析 / Free text (comments, complaint descriptions, interview notes)
# user_words: 分词时保持完整的词 / words jieba keeps whole;  stopwords: 追加停用词 / extra stop words
# synonyms: 同义词归并 / variants counted as one term;  themes: 省略则用内置的服务业主题 / omitted = built-in service themes
text:
  user_words: [售后响应, 报修, 工单, 性价比, 交期, 备件, 7×24, 智控云平台]
  stopwords: [希望, 尽快]
  synonyms: {{售后: [售后服务, 售后部]}}

# 诊断设置 / Diagnosis settings
diagnosis:
  pareto_threshold: 0.8   # 帕累托“关键少数”累计占比 / cumulative share of the vital few
  alpha: 0.05             # 显著性水平 / significance level of the tests
  bootstrap: 200          # 驱动因素区间的自助抽样次数 / bootstrap resamples for the driver intervals
  min_gap: 0.2            # 区域落后其他区域多少分（1–5）算问题 / a region trailing by this much (1–5) is a problem segment

# 年度战略主题 / Strategic themes (goals refer to them by key)
themes:
  - {{key: high_end, en: Focus on the high-end market, zh: 聚焦高端市场}}
  - {{key: retention, en: Raise customer retention, zh: 提升客户留存}}
  - {{key: service, en: Service experience, zh: 服务体验}}
  - {{key: acquisition, en: Win new customers, zh: 拓展新客户}}

# SMART 目标 / SMART goals for 2026
# metric: revenue, new_customers, new_customer_revenue_share, repurchase_rate, churn_rate,
#         nps, satisfaction_mean, response_over_promise_share, complaints
# target: 二选一 / exactly one of  value（绝对值 / absolute）  或 / or  growth（相对基期增幅，0.12 = +12%）
# deadline: 考核期 / period the goal is measured on: 2026 (全年 / full year) 或 / or 2026Q4
# scope: 维度筛选 / filter, e.g. {{region: 华东}} or {{product_line: 智能控制系统}}; 省略 = 全公司 / omitted = company
# 基期 / baselines below: 2025 actuals of the demo data.
goals:
  - id: G1
    metric: revenue
    target: {{growth: 0.12}}
    deadline: "2026"
    theme: high_end
    zh: "2026年全公司销售额比2025年增长12%"
    en: "Company revenue +12 % in 2026 over 2025"
  - id: G2
    metric: revenue
    scope: {{product_line: 智能控制系统}}
    target: {{growth: 0.25}}
    deadline: "2026"
    theme: high_end
    zh: "高端产品线“智能控制系统”2026年销售额增长25%"
    en: "智能控制系统 (high-end line) revenue +25 % in 2026"
  - id: G3
    metric: new_customers
    scope: {{region: 华东}}
    target: {{growth: 0.30}}
    deadline: "2026"
    theme: acquisition
    zh: "华东区域2026年新客户数增长30%"
    en: "East region new customers +30 % in 2026"
  - id: G4
    metric: new_customer_revenue_share
    target: {{value: 0.10}}
    deadline: "2026"
    theme: acquisition
    # 框架示例为30%；本公司2025年新客户（当年建档）仅贡献约{new_share_pct}%，10%已属积极
    # The framework's example is 30 %; here 2025's new customers brought only about {new_share_pct} %, so 10 % is already a stretch
    zh: "当年新客户销售额占比达到10%（2025年约{new_share_pct}%）"
    en: "Customers new in 2026 bring 10 % of its revenue (2025 ≈ {new_share_pct} %)"
  - id: G5
    metric: repurchase_rate
    target: {{value: 0.93}}
    deadline: "2026Q4"
    theme: retention
    # 复购率 = 上一个12个月有购买的客户中，本12个月再次购买的比例（B2B 老客户复购率高；框架示例为60%）
    # repurchase rate = share of the previous 12 months' buyers who bought again in these 12 months (high in B2B; the framework's example is 60 %)
    zh: "老客户复购率由约90%提升至93%"
    en: "Repurchase rate of existing customers from about 90 % to 93 %"
  - id: G6
    metric: churn_rate
    scope: {{region: 西南}}
    target: {{value: {sw_churn_target}}}
    deadline: "2026Q4"
    theme: retention
    zh: "西南区域客户流失率回到2024年水平（{sw_churn_target_pct}%，2025年为{sw_churn_2025_pct}%）"
    en: "South-west churn back to its 2024 level ({sw_churn_target_pct} %; 2025 {sw_churn_2025_pct} %)"
  - id: G7
    metric: nps
    target: {{value: {nps_target}}}
    deadline: "2026Q4"
    theme: service
    zh: "NPS 从2025年的{nps_2025}提升至{nps_target}（+10分）"
    en: "NPS from {nps_2025} in 2025 to {nps_target} (+10 points)"
  - id: G8
    metric: satisfaction_mean
    target: {{value: 4.2}}
    deadline: "2026Q4"
    theme: service
    zh: "总体满意度均分达到4.2（5分制）"
    en: "Mean overall satisfaction 4.2 on the 1–5 scale"
  - id: G9
    metric: response_over_promise_share
    target: {{value: 0.10}}
    deadline: "2026Q2"
    theme: service
    zh: "超过48小时首次响应的工单占比降至10%以下"
    en: "Tickets answered after the 48-hour promise below 10 %"
  - id: G10
    metric: complaints
    target: {{growth: -0.20}}
    deadline: "2026"
    theme: service
    zh: "投诉工单量比2025年减少20%"
    en: "Complaint tickets −20 % in 2026 over 2025"
  # 以下两条目标故意设置得不合理，供 SMART 可实现性检查演示
  # The next two are deliberately unreasonable, so the SMART achievability check has something to say:
  - id: G11
    metric: revenue
    scope: {{region: 西南}}
    target: {{growth: 0.60}}
    deadline: "2026"
    theme: high_end
    zh: "西南区域销售额增长60%（过高：历史最好年份约+{sw_best_pct}%）"
    en: "South-west revenue +60 % (too high: its best year was about +{sw_best_pct} %)"
  - id: G12
    metric: revenue
    scope: {{region: 华南}}
    target: {{growth: 0.02}}
    deadline: "2026"
    theme: high_end
    zh: "华南区域销售额增长2%（过低：近两年年均增长约{south_growth_pct}%）"
    en: "South region revenue +2 % (too timid: it grew about {south_growth_pct} % a year)"

# 行业基准 / Benchmarks (industry average and leaders)
benchmarks:
  nps: {{industry: 30, leader: 40, source: "行业客户体验调研 2025（示例，虚构）/ industry CX survey 2025 (illustrative)"}}
  satisfaction: {{industry: 4.0, leader: 4.5, source: "行业客户体验调研 2025（示例，虚构）/ industry CX survey 2025 (illustrative)"}}
  repurchase_rate: {{industry: 0.55, leader: 0.70, source: "行业客户体验调研 2025（示例，虚构）/ industry CX survey 2025 (illustrative)"}}

# =============================================================================
# 第二步：销售计划拆解与资源配置 / Step 2: plan breakdown and resources
# 运行期间 P 规划的是下一期：P 为全年或第四季度时规划下一财年（按月分解），
# 其他季度规划下一季度。A run for period P plans the next period: the next
# fiscal year (phased by month) when P is a year or its Q4, else the next quarter.
# =============================================================================
breakdown:
  horizon: auto            # auto | year（下一财年 / next fiscal year） | quarter（下一季度 / next quarter）
  dimensions: [region, product_line, customer_type]   # 区域 × 产品线 × 新老客户 / region × product line × new/existing
  # 分解方法 / method: even 平均 | history 历史占比 | momentum 增长动量 | potential 市场潜力 | blend 加权组合
  method: blend
  weights: {{history: 0.4, momentum: 0.3, potential: 0.3}}
  lookback: 2              # 回看期数（年）/ periods of history looked back over (years)
  momentum_cap: 0.3        # 动量法单元增速上限 ±30% / growth factor of a cell capped at ±30 %
  # 市场潜力驱动因子（potential 方法）/ driver of the potential method
  potential:
    region: {{华北: 190, 华东: 320, 华南: 290, 华中: 150, 西南: 230, 西北: 110}}
  potential_source: "各区域工业自动化市场规模估算，亿元（示例，虚构）/ industrial-automation market size per region, 100M CNY (illustrative)"
  # 总目标：取目标 G1（也可写 value: 金额 或 growth: 增幅）/ total: goal G1 (or value: amount, growth: rate)
  total: {{goal: G1}}
  # 手工调整：指定节点的目标（金额 value 或 增幅 growth），其余部分按方法重新分摊
  # overrides: a node's target (value or growth) is kept exactly; the rest is re-spread by the method
  overrides:
    - {{scope: {{region: 华南}}, growth: 0.25, note: "华南通过新渠道增长25% / South +25 % through new channels"}}
    - {{scope: {{product_line: 智能控制系统}}, growth: 0.25, note: "高端产品线，对应目标 G2 / high-end line, goal G2"}}
  # 新老客户拆分：auto = 有新客户占比目标（G4）则锁定新客户部分，否则用复购率目标或历史估算
  # new vs existing: auto = a new-customer share goal (G4) pins the new part; else the repurchase goal or the history estimate
  customer_split: {{source: auto}}
  # 月度分解：按区域×产品线的季节性，历史订单少的节点向公司整体季节性收缩
  # phasing: by the seasonality of region × product line, shrunk toward the company's where history is thin
  phasing: {{grain: month, by: [region, product_line], prior_orders: 200}}
  rounding_unit: 1         # 目标取整到元 / targets in whole yuan
  # 隐含增速超过历史最好年份10个百分点或负增长即标记；占总目标2%以下的小单元只列出不标记
  # flag growth 10 points above the best year, or shrinking; parts under 2 % of the total are listed, not flagged
  checks: {{beyond_history_points: 0.10, shrink_below: 0.0, min_share: 0.02}}

# 客户分层（按价值与忠诚度，规则自上而下，先匹配先归类）
# Customer tiers by value and loyalty; rules are tried top-down, the first that matches wins
tiers:
  window_months: 12
  risk: {{recency_days: 120, spend_drop: 0.5}}   # 120天未下单或消费减半视为流失预警 / 120 days without an order or spend halved = at risk
  rules:
    - {{key: vip, en: VIP, zh: VIP客户, top_share: 0.05, min_orders: 4, at_risk: false, visits_per_year: 12, budget_per_customer: 20000,
       owner: 大客户部, care_en: "Dedicated account manager, monthly visit, exclusive events, priority service",
       care_zh: "专属客户经理、每月拜访、专属活动、优先服务"}}
    - {{key: key, en: Key, zh: 重点客户, top_share: 0.20, at_risk: false, visits_per_year: 4, budget_per_customer: 5000,
       owner: 各大区销售经理, care_en: "Quarterly visit, annual user conference, value-added services (inspection, training)",
       care_zh: "每季度拜访、年度用户大会、增值服务（巡检、培训）"}}
    - {{key: at_risk, en: At risk, zh: 流失预警客户, top_share: 0.5, at_risk: true, visits_per_year: 2, budget_per_customer: 3000,
       owner: 客户成功部, care_en: "Win-back call within two weeks, service review, retention offer",
       care_zh: "两周内回访、服务复盘、挽留优惠"}}
    - {{key: ordinary, en: Ordinary, zh: 普通客户, visits_per_year: 0.5, budget_per_customer: 300,
       owner: 电话销售组, care_en: "Newsletter, online service, seasonal offers", care_zh: "电子简报、在线服务、节令优惠"}}

# 预算（元）及分配：按优先级得分 = 潜力 × 增长 × 战略权重 分到区域×产品线；优先保障高潜力区域与核心产品线
# Budget (yuan), spread over region × product line by priority = potential × growth × strategic weight:
# high-potential regions and core product lines first
budget:
  categories:
    - {{key: people, en: "People (commission, hiring)", zh: "人员（提成、招聘）", items: {{commission: 6500000, hiring: 2500000}}}}
    - {{key: channels, en: "Channels (promotion, partner commission)", zh: "渠道（推广、渠道佣金）",
       items: {{online_promotion: 1500000, trade_shows: 1200000, partner_commission: 1000000}}}}
    - {{key: materials, en: Materials, zh: 物料, amount: 800000}}
    - {{key: customer_care, en: Customer care, zh: 客户关怀, amount: 2400000}}
    - {{key: training, en: Product training (central), zh: 产品培训（总部统筹）, amount: 600000, allocate: false}}
  allocate_by: [region, product_line]
  strategic_weights:
    region: {{华东: 1.2, 华南: 1.3}}              # 高潜力区域 / high-potential regions
    product_line: {{智能控制系统: 1.5, 工业传感器: 1.2}}   # 核心产品线 / core product lines
  min_share: 0.01          # 每个区域×产品线单元至少1% / every region × product-line cell gets at least 1 %
  limits:
    - {{scope: {{region: 西南}}, min_share: 0.12}}   # 西南服务整改期间保底12% / the south-west keeps at least 12 % during its service recovery
  flag_ratio: 1.5          # 单位目标预算高于公司1.5倍为“投入偏高”，低于1/1.5为“投入偏低” / over- and under-funded

# 行动计划（责任人、起止日期、预算、对应目标）/ Action plan: owner, start, due, budget, the target it serves
action_plan:
  - {{id: A1, kind: acquisition, en: "Online promotion: search and short-video ads", zh: "线上推广：搜索与短视频广告", channel: online,
     budget: 1500000, category: channels, owner: 市场部 王敏, start: 2026-01-05, due: 2026-12-31,
     serves: {{customer_type: new}}, goal: G4, kpi: "线上线索转化新客户数 / new customers from online leads"}}
  - {{id: A2, kind: acquisition, en: "Trade shows in East and South China", zh: "华东、华南行业展会", channel: trade_show,
     budget: 1200000, category: channels, owner: 市场部 王敏, start: 2026-03-01, due: 2026-11-30,
     serves: {{customer_type: new}}, goal: G3, kpi: "展会线索数 / trade-show leads"}}
  - {{id: A3, kind: acquisition, en: "New channel in South China: three regional distributors", zh: "华南新渠道：发展3家区域代理商",
     channel: partner, budget: 1000000, category: channels, owner: 华南大区 刘洋, start: 2026-01-15, due: 2026-06-30,
     serves: {{region: 华南}}, kpi: "代理商签约数与首单 / distributors signed, first orders"}}
  - {{id: A4, kind: care, en: "VIP programme: account managers, exclusive events", zh: "VIP客户计划：专属经理、专属活动",
     budget: 900000, category: customer_care, owner: 大客户部 陈静, start: 2026-01-05, due: 2026-12-31,
     serves: {{tier: vip}}, goal: G5, kpi: "VIP客户复购率 / VIP repurchase rate"}}
  - {{id: A5, kind: care, en: "Win-back calls and service review for at-risk customers", zh: "流失预警客户回访与服务复盘",
     budget: 600000, category: customer_care, owner: 客户成功部 赵磊, start: 2026-01-05, due: 2026-12-31,
     serves: {{tier: at_risk}}, goal: G5, kpi: "挽回客户数 / customers won back"}}
  - {{id: A6, kind: care, en: "South-west key accounts: service-recovery visits", zh: "西南重点客户：服务整改回访",
     budget: 400000, category: customer_care, owner: 西南大区 周涛, start: 2026-01-05, due: 2026-06-30,
     serves: {{region: 西南}}, goal: G6, kpi: "西南流失率 / south-west churn"}}
  - {{id: A7, kind: support, en: "Monthly new-product training for sales and distributors", zh: "新产品培训（每月一次，覆盖销售与代理商）",
     budget: 600000, category: training, owner: 产品部 孙悦, start: 2026-01-10, due: 2026-12-20,
     serves: {{product_line: 智能控制系统}}, goal: G2, kpi: "培训场次与考核通过率 / sessions, pass rate"}}
  - {{id: A8, kind: support, en: "Product brochures, demo kits and case studies", zh: "产品资料、演示样机与案例集",
     budget: 500000, category: materials, owner: 市场部 王敏, start: 2026-02-01, due: 2026-04-30,
     serves: {{product_line: 智能控制系统}}, kpi: "资料更新完成率 / materials updated"}}
"""


def _baselines(sales_rows: list, survey_rows: list, cust: dict) -> dict:
    """2025 facts of the generated data quoted in the goals (computed from the rows)."""
    import collections

    rev = collections.defaultdict(float)
    buyers = collections.defaultdict(set)
    first_year = {}
    for r in sales_rows:
        year = int(r[1][:4])
        rev[(r[3], year)] += float(r[7])
        rev[("all", year)] += float(r[7])
        if float(r[6]) > 0:
            buyers[(r[3], year)].add(r[2])
            first_year[r[2]] = min(first_year.get(r[2], 9999), year)
    created_2025 = {cust["id"][i] for i in range(cust["n"]) if cust["created"][i].year == 2025}
    new_rev = sum(float(r[7]) for r in sales_rows if r[1].startswith("2025") and r[2] in created_2025)
    b24, b25 = buyers[("西南", 2024)], buyers[("西南", 2025)]
    b23 = buyers[("西南", 2023)]
    churn24 = len(b23 - b24) / len(b23)
    churn25 = len(b24 - b25) / len(b24)
    scores = [int(r[5]) for r in survey_rows if r[1].startswith("2025") and r[5] != ""]
    nps = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    south = ((rev[("华南", 2024)] / rev[("华南", 2023)]) * (rev[("华南", 2025)] / rev[("华南", 2024)])) ** 0.5 - 1
    return dict(
        nps_2025=int(round(nps)), nps_target=int(round(nps)) + 10,
        new_share_pct=int(round(100 * new_rev / rev[("all", 2025)])),
        sw_churn_target=round(churn24, 2), sw_churn_target_pct=int(round(100 * churn24)),
        sw_churn_2025_pct=int(round(100 * churn25)), south_growth_pct=int(round(100 * south)),
        sw_best_pct=int(round(100 * max(rev[("西南", y)] / rev[("西南", y - 1)] - 1 for y in (2024, 2025)))),
    )


# ---------------------------------------------------------------------------- main


def generate_sample(out: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the demo workspace (``workspace.yaml`` and five data files) into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to create. It may exist only if it is empty.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives
        byte-identical files.

    Returns
    -------
    Path
        The workspace folder.

    Raises
    ------
    ValueError
        If ``out`` exists and is not an empty folder.
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"cannot write the sample workspace to {out}: it exists and is not a folder")
        if any(out.iterdir()):
            raise ValueError(f"cannot write the sample workspace to {out}: the folder is not empty (choose a new or empty folder)")
    rng = np.random.default_rng(seed)
    # independent streams per part, so changing one table's generator leaves the others alone
    r_cust, r_det, r_sim, r_sales, r_comp, r_surv, r_int = (np.random.default_rng(s) for s in rng.bit_generator.seed_seq.spawn(7))
    order_w, ticket_w = _day_weights()
    cust = _make_customers(r_cust)
    det = _customer_details(r_det, cust)
    sim = _simulate(r_sim, cust, order_w)
    sales, _ = _sales_rows(r_sales, cust, det, sim, order_w)
    complaints = _complaint_rows(r_comp, cust, sim, ticket_w)
    surveys = _survey_rows(r_surv, cust, sim)
    interviews = _interview_rows(r_int, cust, det, sim)

    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "sales.csv", ["订单号", "下单日期", "客户编号", "区域", "产品线", "产品", "数量", "销售额", "渠道", "销售代表"], sales, "utf-8-sig")
    _write_customers_xlsx(out / "customers.xlsx", cust, det)
    _write_csv(
        out / "surveys.csv",
        ["response_id", "survey_date", "respondent_type", "customer_id", "region", "nps", "satisfaction", *_DIMS, "channel", "comment"],
        surveys, "utf-8",
    )
    _write_csv(out / "complaints.csv", ["工单号", "客户编号", "投诉时间", "投诉类型", "首次响应时间", "解决时间", "渠道", "投诉内容"], complaints, "gb18030")
    _write_csv(out / "interviews.csv", ["interview_id", "customer_id", "interview_date", "notes", "interviewer", "themes"], interviews, "utf-8")
    text = _YAML_TEMPLATE.format(company=COMPANY_NAME, seed=seed, **_baselines(sales, surveys, cust))
    (out / "workspace.yaml").write_bytes(text.encode("utf-8"))
    return out
