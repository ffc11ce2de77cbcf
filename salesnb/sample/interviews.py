"""``interviews.csv`` of the demo company: key-account interview notes, 2023Q3 … 2025Q4.

Here: :func:`_interview_rows` and the words of the notes. Not here: who the key accounts are
(:mod:`salesnb.sample.customers`).
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np

from .knobs import _INDUSTRIES, _LINE_WEIGHTS, _STORY, PRODUCT_LINES, REGIONS, _month_start, _pick

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
