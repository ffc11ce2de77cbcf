"""``complaints.csv`` of the demo company: the simulated tickets with times, channels and their text.

Here: :func:`_complaint_rows` and the words of the ticket texts (:func:`_complaint_text`). Not here: when
tickets are opened and answered (:mod:`salesnb.sample.simulate`).
"""
from __future__ import annotations

from datetime import datetime

import numpy as np

from .files import _fmt_dt
from .knobs import (_CATEGORIES, _CATEGORY_RESOLVE_H, _EXTRACT_AT, _LINE_WEIGHTS, _PRODUCTS, _STORY, _TICKET_CHANNEL_W,
                    _TICKET_CHANNELS, _YEARS, PRODUCT_LINES, REGIONS, _pick)
from .simulate import _sample_days

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
