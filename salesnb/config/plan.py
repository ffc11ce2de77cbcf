"""Step 2: ``breakdown:``, ``tiers:``, ``budget:`` and ``action_plan:``.

Here: how the plan's total is split (method, overrides, customer split, phasing, growth checks), the customer
tiers and their care, the budget and its limits, the plan's actions. Not here: the goals the plan serves
(:mod:`salesnb.config.goals`).
"""
from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import _Model, require_unique

_DIMENSION_NAME = r"^[a-z][a-z0-9_]*$"


def _one_node(scope: dict[str, str]) -> dict[str, str]:
    if len(scope) != 1:
        raise ValueError("scope must name exactly one dimension and node, e.g. {region: 华南}")
    return scope


class BreakdownOverride(_Model):
    """A target fixed for one node of one dimension (``{scope: {region: 华南}, growth: 0.25}``)."""

    scope: dict[str, str]
    value: float | None = Field(None, ge=0)
    """Target amount in the workspace currency."""
    growth: float | None = Field(None, gt=-1)
    """Relative to the node's actual in the base period (0.25 = +25 %)."""
    note: str | None = None
    """Why (e.g. "new channels"), shown next to the override."""

    @model_validator(mode="after")
    def _check(self) -> "BreakdownOverride":
        _one_node(self.scope)
        if (self.value is None) == (self.growth is None):
            raise ValueError("give exactly one of 'value' or 'growth'")
        return self


class BreakdownTotal(_Model):
    """Where the plan's total comes from: ``value`` (the plan year's amount), else
    ``growth`` over the base period, else goal ``goal``; with none of them, the
    company-wide revenue goal due in the plan year, else the base period
    continued at its latest growth."""

    value: float | None = Field(None, gt=0)
    growth: float | None = Field(None, gt=-1)
    goal: str | None = None


class CustomerSplitSettings(_Model):
    """How the total splits into existing and new customers."""

    source: Literal["auto", "estimate", "new_share_goal", "repurchase_goal"] = "auto"
    """``auto``: a new-customer revenue-share goal due in the plan year pins the new part; else a
    repurchase-rate goal sets the rate of the estimate; else the estimate from history."""
    new_share_goal: str | None = None
    """Goal id (metric ``new_customer_revenue_share``); default: the first such goal."""
    repurchase_goal: str | None = None
    """Goal id (metric ``repurchase_rate``); default: the first such goal."""
    spend_trend_cap: float = Field(0.3, ge=0, le=1)
    """The yearly trend of spend per retained customer is capped at ±this."""


class PhasingSettings(_Model):
    grain: Literal["month", "quarter"] = "month"
    by: list[str] = Field(default_factory=lambda: ["region", "product_line"])
    """Dimensions whose own seasonality is estimated (cells inherit it)."""
    prior_orders: float = Field(200, ge=0)
    """Shrinkage strength: a node with n orders in the history gets weight n / (n + prior_orders)
    on its own monthly profile and the rest on the company's."""


class GrowthCheckSettings(_Model):
    beyond_history_points: float = Field(0.10, ge=0)
    """Flag a part whose implied growth beats its best year in the history by more than this (0.10 = 10 points)."""
    shrink_below: float = Field(0.0, ge=-1, le=1)
    """Flag a part whose implied growth is below this (0 = any shrinking)."""
    min_share: float = Field(0.0, ge=0, le=1)
    """Parts below this share of the total are listed but not flagged (too small to matter)."""
    against_trend_points: float = Field(0.5, ge=0)
    """Flag a part (``against_trend``) whose latest change was a fall and whose implied growth is at least this
    far above it (0.5 = 50 points: e.g. +10 % asked after −40 %): a target that contradicts the trend."""


class Breakdown(_Model):
    """Step 2: how the plan's total is split (dimensions, method, overrides, phasing)."""

    horizon: Literal["auto", "year", "quarter"] = "auto"
    """What a run for period P plans: ``auto`` = the next fiscal year when P is a year or its last
    quarter, else the next quarter."""
    dimensions: list[str] = Field(default_factory=lambda: ["region", "product_line", "customer_type"])
    """Sales or customer columns (``customer_type`` = new/existing, derived)."""
    method: Literal["even", "history", "momentum", "potential", "blend"] = "blend"
    weights: dict[Literal["even", "history", "momentum", "potential"], float] = Field(
        default_factory=lambda: {"history": 0.5, "momentum": 0.5})
    """Blend weights (``method: blend``)."""
    lookback: int = Field(2, ge=1, le=10)
    """Periods of the plan's length the history and momentum methods look back over."""
    momentum_cap: float = Field(0.3, ge=0, le=1)
    """A cell's yearly growth factor in the momentum method is capped at 1 ± this."""
    potential: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Driver per node for the potential method, e.g. ``{region: {华东: 320, …}}`` (market size)."""
    potential_source: str | None = None
    """What the driver is and where it comes from (shown in the report)."""
    total: BreakdownTotal = Field(default_factory=BreakdownTotal)
    overrides: list[BreakdownOverride] = Field(default_factory=list)
    customer_split: CustomerSplitSettings = Field(default_factory=CustomerSplitSettings)
    phasing: PhasingSettings = Field(default_factory=PhasingSettings)
    rounding_unit: float = Field(1, gt=0)
    """Targets are whole multiples of this amount (1 = one yuan)."""
    checks: GrowthCheckSettings = Field(default_factory=GrowthCheckSettings)

    @model_validator(mode="after")
    def _consistent(self) -> "Breakdown":
        if not self.dimensions or len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError("dimensions must be a non-empty list without repeats")
        if any(w < 0 for w in self.weights.values()) or (self.method == "blend" and sum(self.weights.values()) <= 0):
            raise ValueError("blend weights must be non-negative with a positive sum")
        seen = set()
        for o in self.overrides:
            key = next(iter(o.scope.items()))
            if key in seen:
                raise ValueError(f"{key[0]} {key[1]} has more than one override")
            seen.add(key)
        return self


class TierRule(_Model):
    """A customer tier: conditions (all must hold; none = everyone left) and its care strategy."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str
    zh: str
    top_share: float | None = Field(None, gt=0, le=1)
    """Among the top this share of customers by revenue in the window (0.05 = top 5 %)."""
    min_revenue: float | None = Field(None, ge=0)
    min_orders: int | None = Field(None, ge=0)
    min_rfm: int | None = Field(None, ge=3, le=15)
    """Sum of the recency, frequency and monetary quintile scores (1–5 each)."""
    at_risk: bool | None = None
    """True: only customers showing a risk signal (``tiers.risk``); False: only those without."""
    visits_per_year: float = Field(0, ge=0)
    care_en: str = ""
    care_zh: str = ""
    budget_per_customer: float = Field(0, ge=0)
    owner: str | None = None

    @property
    def has_conditions(self) -> bool:
        return any(v is not None for v in (self.top_share, self.min_revenue, self.min_orders, self.min_rfm, self.at_risk))


class TierRisk(_Model):
    recency_days: int = Field(120, ge=1)
    """No purchase in this many days before the period end."""
    spend_drop: float = Field(0.5, gt=0, le=1)
    """Or spend in the window fell by at least this share against the window before."""


_DEFAULT_TIERS = [
    TierRule(key="vip", en="VIP", zh="VIP客户", top_share=0.05, min_orders=4, at_risk=False, visits_per_year=12,
             care_en="Dedicated account manager, monthly visit, exclusive events, priority service",
             care_zh="专属客户经理、每月拜访、专属活动、优先服务", budget_per_customer=20000),
    TierRule(key="key", en="Key", zh="重点客户", top_share=0.20, at_risk=False, visits_per_year=4,
             care_en="Quarterly visit, annual user conference, value-added services",
             care_zh="每季度拜访、年度用户大会、增值服务", budget_per_customer=6000),
    TierRule(key="at_risk", en="At risk", zh="流失预警客户", top_share=0.5, at_risk=True, visits_per_year=2,
             care_en="Win-back call within two weeks, service review, retention offer",
             care_zh="两周内回访、服务复盘、挽留优惠", budget_per_customer=3000),
    TierRule(key="ordinary", en="Ordinary", zh="普通客户", visits_per_year=0.5,
             care_en="Newsletter, online service, seasonal offers", care_zh="电子简报、在线服务、节令优惠",
             budget_per_customer=300),
]


class Tiers(_Model):
    """客户分层: rules evaluated in order, the first that matches wins."""

    window_months: int = Field(12, ge=1, le=36)
    risk: TierRisk = Field(default_factory=TierRisk)
    rules: list[TierRule] = Field(default_factory=lambda: list(_DEFAULT_TIERS))
    care_budget_max_share: float = Field(0.05, gt=0, le=1)
    """The tiers' care budgets (customers × ``budget_per_customer``) above this share of the tiered
    customers' revenue are flagged in step 2, with the factor that would bring them to it (the default
    catalogue is written for a large B2B company; a small one should scale it)."""

    @field_validator("rules")
    @classmethod
    def _rules(cls, rules: list[TierRule]) -> list[TierRule]:
        require_unique([r.key for r in rules], "tier keys")
        if not rules or rules[-1].has_conditions:
            raise ValueError("the last tier must have no conditions (it takes every customer left)")
        return rules


class BudgetCategory(_Model):
    """A budget line (预算): people, channels, materials, customer care …"""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str
    zh: str
    amount: float | None = Field(None, ge=0)
    items: dict[str, float] = Field(default_factory=dict)
    """Sub-lines (e.g. ``{commission: 6500000, hiring: 2500000}``); ``amount`` defaults to their sum."""
    allocate: bool = True
    """Spread over the plan's nodes by priority; False keeps it central (headquarters)."""

    @model_validator(mode="after")
    def _amount(self) -> "BudgetCategory":
        if any(v < 0 for v in self.items.values()):
            raise ValueError("budget items must not be negative")
        if self.amount is None and not self.items:
            raise ValueError("give 'amount' or 'items'")
        if self.amount is not None and self.items and abs(self.amount - sum(self.items.values())) > 0.5:
            raise ValueError(f"amount {self.amount:,.0f} differs from the sum of its items {sum(self.items.values()):,.0f}")
        return self

    @property
    def total(self) -> float:
        return float(self.amount if self.amount is not None else sum(self.items.values()))


class BudgetLimit(_Model):
    scope: dict[str, str]
    min_share: float | None = Field(None, ge=0, le=1)
    max_share: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> "BudgetLimit":
        _one_node(self.scope)
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise ValueError("min_share is above max_share")
        return self


class Budget(_Model):
    """预算: categories, spread over the plan's nodes by a priority score."""

    categories: list[BudgetCategory] = Field(default_factory=list)
    allocate_by: list[str] = Field(default_factory=lambda: ["region"])
    strategic_weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Dimension → node → weight (default 1), e.g. core product lines 1.5."""
    min_share: float = Field(0.0, ge=0, le=1)
    """Every node gets at least this share of each allocated category."""
    limits: list[BudgetLimit] = Field(default_factory=list)
    flag_ratio: float = Field(1.5, gt=1)
    """A node whose budget per unit of target is above this × the company's is over-funded, below 1/this under-funded."""

    @field_validator("categories")
    @classmethod
    def _unique(cls, cats: list[BudgetCategory]) -> list[BudgetCategory]:
        require_unique([c.key for c in cats], "budget category keys")
        return cats


class PlanAction(_Model):
    """One action of the plan: acquisition (by channel), care (by tier) or support (training, materials)."""

    id: str
    kind: Literal["acquisition", "care", "support"]
    en: str
    zh: str
    channel: str | None = None
    owner: str = Field(min_length=1)
    start: _dt.date
    due: _dt.date
    budget: float = Field(0, ge=0)
    category: str | None = None
    """Budget category key the money comes from."""
    serves: dict[str, str] = Field(default_factory=dict)
    """The target it serves: ``{region: 华南}``, ``{customer_type: new}``, ``{tier: vip}`` …"""
    goal: str | None = None
    kpi: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> "PlanAction":
        if self.due < self.start:
            raise ValueError(f"due {self.due} is before start {self.start}")
        return self
