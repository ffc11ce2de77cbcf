"""``surveys.csv`` of the demo company: a survey wave every quarter, answers driven by each customer's experience.

Here: who answers (:func:`_wave_sample`), the scores (:func:`_wave_answers`), the comments
(:func:`_survey_comment`, with their word tables) and the rows (:func:`_survey_rows`). Not here: the experience
itself (:mod:`salesnb.sample.simulate`).
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np

from .knobs import _STORY, REGIONS, _month_start

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


def _wave_sample(rng: np.random.Generator, cust: dict, sim: dict, m: int) -> tuple[list, list, list, list, list]:
    """Who answers the wave of month ``m``, region by region: active customers, lost customers (lost in the last
    two years, or dormant) and a few prospects. Returns their customer index (``-1`` for a prospect), type,
    region, experience and ticket penalty."""
    region, churn = cust["region"], sim["churn_month"]
    start = cust["start"]
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
    return ids, types, regs, exps, pens


def _wave_answers(rng: np.random.Generator, cust: dict, sim: dict, q: int, year: int, ids: list, types: list, regs: list,
                  exps: list, pens: list) -> dict:
    """The scores of the respondents of quarter ``q`` (:func:`_wave_sample`): latent dimension scores driven by
    their experience, the 1–5 dimension scores, NPS and satisfaction, skipped answers, the day and channel of
    each answer and the order the answers came in."""
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
    return dict(ids=ids_a, regs=regs_a, lat=lat, scores=scores, nps=nps, sat=sat, blank_nps=blank_nps, blank_dim=blank_dim,
                blank_sat=blank_sat, day_off=day_off, chan=chan, order=order)


def _survey_comment(rng: np.random.Generator, t: str, score: int, lat: np.ndarray, in_story: bool) -> str:
    """The comment of one answer (often none) of type ``t`` with NPS ``score`` and latent scores ``lat``;
    ``in_story``: a 西南 answer in 2025, whose complaints are about after-sales."""
    if t == "lost":
        comment = _LOST[int(rng.integers(0, len(_LOST)))] if rng.random() < 0.7 else ""
        if comment and in_story and rng.random() < 0.6:
            comment = _LOST[int(rng.choice([0, 3, 5]))]
    elif score >= 9:
        comment = _POSITIVE[int(rng.integers(0, len(_POSITIVE)))] if rng.random() < 0.55 else ""
    elif score >= 7:
        comment = _PASSIVE[int(rng.integers(0, len(_PASSIVE)))] if rng.random() < 0.5 else ""
    else:
        worst = _DIMS[int(np.argmin(lat + rng.normal(0, 0.25, 5)))]
        if in_story and rng.random() < 0.75:
            worst = "after_sales" if rng.random() < 0.7 else "response_speed"
        pool = _NEG[worst]
        comment = pool[int(rng.integers(0, len(pool)))] if rng.random() < 0.8 else ""
        if comment and rng.random() < 0.45:
            comment += _NEG_TAIL[int(rng.integers(0, len(_NEG_TAIL)))]
    if comment and t != "lost" and score >= 9 and rng.random() < 0.3:
        comment += _POS_TAIL[int(rng.integers(0, len(_POS_TAIL)))]
    return comment


def _survey_rows(rng: np.random.Generator, cust: dict, sim: dict) -> list:
    story = REGIONS.index(_STORY["region"])
    rows = []
    for q in range(12):
        year, qn = 2023 + q // 4, q % 4 + 1
        m = 3 * q + 2  # the wave runs in the last month of the quarter
        first = _month_start(m)
        ids, types, regs, exps, pens = _wave_sample(rng, cust, sim, m)
        a = _wave_answers(rng, cust, sim, q, year, ids, types, regs, exps, pens)
        ids_a, regs_a = a["ids"], a["regs"]
        for seq, j in enumerate(a["order"], 1):
            t = types[j]
            score = a["nps"][j]
            comment = _survey_comment(rng, t, score, a["lat"][j], bool(regs_a[j] == story and year == 2025))
            i = ids_a[j]
            reg = REGIONS[regs_a[j]]
            if i >= 0 and rng.random() < 0.02:
                reg = ""  # left blank: taken from customers
            dims = ["" if a["blank_dim"][j, d] else str(a["scores"][j, d]) for d in range(5)]
            rows.append((
                f"R{year}Q{qn}-{seq:04d}", (first + timedelta(int(a["day_off"][j]))).isoformat(), t,
                cust["id"][i] if i >= 0 else "", reg, "" if a["blank_nps"][j] else str(score),
                "" if a["blank_sat"][j] else str(a["sat"][j]), *dims, a["chan"][j], comment,
            ))
    return rows
