"""The measure library of step 4: the built-in measures per problem type and the ones ``workspace.yaml`` adds,
replaces or disables (:func:`measure_library`).

Not here: which measures fit a problem (:mod:`salesnb.improve.proposals`) or
how a measure's KPI is computed (:mod:`salesnb.improve.kpi_values`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from ..errors import ConfigError, Problem
from ..goals import LOWER_IS_BETTER


@dataclass(frozen=True)
class Measure:
    """A candidate measure for one problem type.

    ``kpi`` is a metric :func:`kpi_value` computes (a name of
    :data:`salesnb.goals.METRICS`, ``median_first_response_hours`` or
    ``dim:<dimension key>`` for a 1–5 survey dimension mean); ``direction`` is
    +1 when the KPI should rise; ``effect`` is the planned change of the KPI —
    relative for amounts and shares (−0.5 = halve), points for NPS and 1–5
    scores; ``effort`` runs from 1 (a memo) to 5 (a new organisation).
    """

    key: str
    problem_type: str
    en: str
    zh: str
    kpi: str
    direction: int
    owner_en: str
    owner_zh: str
    weeks: int
    effort: int
    effect: float

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def owner(self, lang: str) -> str:
        return self.owner_zh if lang == "zh" else self.owner_en


def _m(*args) -> Measure:
    return Measure(*args)


BUILTIN_MEASURES: tuple[Measure, ...] = (
    _m("channel_mix", "weak_acquisition", "Shift the channel mix toward short-video ads and industry platforms", "调整获客渠道组合：增加短视频广告与行业平台投放",
       "new_customers", +1, "Marketing manager", "市场经理", 26, 3, 0.20),
    _m("differentiation_pitch", "weak_acquisition", "Sharpen the sales pitch on what sets our products apart", "提炼差异化卖点，优化销售话术",
       "new_customers", +1, "Sales director", "销售总监", 12, 2, 0.10),
    _m("loyalty_offers", "high_churn", "Loyalty offers for existing customers (renewal discounts, service packages)", "老客户忠诚度计划（续约优惠、服务套餐）",
       "churn_rate", -1, "Key-account manager", "大客户经理", 26, 2, -0.25),
    _m("customer_success", "high_churn", "Customer-success managers for key accounts with quarterly business reviews", "为重点客户配备客户成功经理，按季度回访",
       "churn_rate", -1, "Customer-success lead", "客户成功负责人", 26, 4, -0.35),
    _m("hotline_7x24", "slow_after_sales_response", "7×24 service hotline with a 2-hour response promise", "开通7×24小时服务热线，承诺2小时内响应",
       "response_over_promise_share", -1, "After-sales service manager", "售后服务经理", 12, 4, -0.60),
    _m("dispatch_redesign", "slow_after_sales_response", "Redesign ticket dispatch and escalation (first response owner per region)", "优化工单派单与升级流程（各区域首响责任人）",
       "median_first_response_hours", -1, "After-sales service manager", "售后服务经理", 8, 2, -0.40),
    _m("quality_8d", "product_quality", "8D root-cause analysis of the top failure modes with suppliers", "针对主要故障模式与供应商开展8D根因分析",
       "dim:quality", +1, "Quality manager", "质量经理", 16, 3, 0.30),
    _m("delivery_promise", "delivery_delay", "Order tracking and a confirmed delivery date on every order", "订单全程跟踪，每单确认交期",
       "complaints", -1, "Supply-chain manager", "供应链经理", 12, 3, -0.15),
    _m("lead_time_promise", "delivery_delay", "Promise delivery days from measured carrier lead times per region (a buffer where orders arrive late)",
       "按各区域实测物流时效设定承诺交期（晚到区域增加缓冲）", "on_time_share", +1, "Logistics manager", "物流经理", 8, 2, 0.05),
    _m("carrier_scorecards", "delivery_delay", "Carrier scorecards with an on-time target per route; move volume away from the latest carriers",
       "承运商考核：按线路设定准时率目标，将运量从准时率最低的承运商转出", "on_time_share", +1, "Logistics manager", "物流经理", 16, 3, 0.08),
    _m("value_selling", "price_perception", "Value selling: ROI calculator and total-cost-of-ownership sheets", "价值销售：投资回报测算与全生命周期成本对比",
       "dim:price", +1, "Product marketing manager", "产品市场经理", 12, 2, 0.25),
    _m("tiered_pricing", "price_perception", "Tiered offers (basic / standard / premium service levels)", "推出分级方案（基础/标准/高级服务）",
       "dim:price", +1, "Pricing manager", "定价经理", 16, 3, 0.35),
    _m("sales_training", "sales_competence", "Monthly product and application training for the sales force", "每月开展新产品与应用培训",
       "dim:sales_professionalism", +1, "Sales enablement manager", "销售赋能经理", 12, 2, 0.30),
    _m("billing_check", "billing_errors", "Four-eyes check of invoices before they are sent", "发票寄出前双人复核",
       "complaints", -1, "Finance manager", "财务经理", 8, 1, -0.10),
    _m("customer_training", "training_gap", "Customer training sessions and simpler manuals", "客户操作培训与简明操作手册",
       "satisfaction_mean", +1, "Technical support lead", "技术支持主管", 12, 2, 0.15),
    _m("regional_spares", "spare_parts", "Regional spare-parts stock for the most used parts", "在各区域备齐常用备件",
       "response_over_promise_share", -1, "Supply-chain manager", "供应链经理", 16, 3, -0.30),
)


def measure_library(config=None) -> pd.DataFrame:
    """The measures in force: built-ins, then ``workspace.yaml`` ``measures:`` entries
    (same key = replace, new key = add, ``disabled: true`` = remove). An entry that
    moves a measure onto another ``kpi`` without a ``direction`` gets the KPI's own
    (−1 for complaints, churn, delays and response times; +1 otherwise) and must
    restate its ``effect``; an effect against the direction is an error.

    Examples
    --------
    >>> lib = measure_library()
    >>> lib.loc[lib["key"] == "hotline_7x24", "kpi"].item()
    'response_over_promise_share'
    """
    library = {mm.key: asdict(mm) for mm in BUILTIN_MEASURES}
    problems = []
    for i, entry in enumerate(getattr(config, "measures", None) or []):
        data = entry.model_dump() if hasattr(entry, "model_dump") else dict(entry)
        if data.pop("disabled", False):
            library.pop(data["key"], None)
            continue
        base = library.get(data["key"], {})
        merged = {**base, **{k: v for k, v in data.items() if v is not None}}
        if base and data.get("kpi") is not None and data["kpi"] != base.get("kpi"):
            # a measure moved onto another KPI: it moves it the way that KPI improves (fewer complaints, not more),
            # and its planned effect must be restated (the old one was in the old KPI's units)
            if data.get("direction") is None:
                merged["direction"] = -1 if data["kpi"] in LOWER_IS_BETTER or data["kpi"] == "median_first_response_hours" else 1
            if data.get("effect") is None:
                problems.append(Problem("workspace.yaml", None, f"measures.{i}.effect", None,
                                        f"required when kpi changes ({base.get('kpi')} → {data['kpi']}): the built-in effect "
                                        f"{base.get('effect')} is in {base.get('kpi')}'s units"))
        if merged.get("effect") is not None and merged.get("direction") is not None and merged["effect"] * merged["direction"] < 0:
            problems.append(Problem("workspace.yaml", None, f"measures.{i}.effect", str(merged["effect"]),
                                    f"has the opposite sign of the direction {merged['direction']:+d} of {merged.get('kpi')}"))
        missing = [f for f in Measure.__dataclass_fields__ if f not in merged]
        problems += [Problem("workspace.yaml", None, f"measures.{i}.{f}", None, "required for a new measure") for f in missing]
        library[data["key"]] = merged
    if problems:
        raise ConfigError(problems, f"{len(problems)} problem(s) in workspace.yaml measures")
    return pd.DataFrame(list(library.values()), columns=list(Measure.__dataclass_fields__))
