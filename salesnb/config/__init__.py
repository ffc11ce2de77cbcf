"""The typed model of ``workspace.yaml``.

Every section is optional except ``company``; unknown keys, wrong types and
missing required keys are errors that name the key path
(``goals.2.target.growth``). Load with :func:`load_config`.

Examples
--------
>>> cfg = WorkspaceConfig.model_validate({"company": {"name": "Demo", "currency": "CNY"}})
>>> cfg.retention.window_months
12
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError, Problem
from .periods import PERIOD_PATTERN

__all__ = [
    "WorkspaceConfig",
    "Labels",
    "ValueLabels",
    "value_label",
    "value_labels",
    "load_config",
    "TableSource",
    "SourceSettings",
    "Dimension",
    "Goal",
    "Theme",
    "CONFIG_FILE",
]

CONFIG_FILE = "workspace.yaml"


def require_unique(keys: list[str], what: str) -> None:
    """Raise ``ValueError`` naming the repeated ``keys`` (``what``: e.g. "theme keys").

    >>> require_unique(["a", "b", "a"], "tier keys")
    Traceback (most recent call last):
    ...
    ValueError: tier keys must be unique, repeated: a
    """
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"{what} must be unique, repeated: {', '.join(dup)}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Company(_Model):
    name: str
    currency: str = "CNY"
    unit: Literal["元", "千元", "万元", "百万元", "unit", "thousand", "million"] = "元"
    """Unit of the amounts in the files (converted to ``currency`` on read)."""
    display_unit: Literal["元", "千元", "万元", "百万元", "unit", "thousand", "million"] = "万元"
    """Unit used in report tables and charts; default 万元 for CNY, ``thousand`` (of the workspace's
    currency) for any other currency, so a USD company is never shown in "10k CNY"."""
    industry: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _display_unit_follows_currency(cls, data):
        if isinstance(data, dict) and data.get("display_unit") is None and str(data.get("currency") or "CNY").strip().upper() not in ("CNY", "RMB"):
            data = {**data, "display_unit": "thousand"}
        return data


class Calendar(_Model):
    fiscal_year_start_month: int = Field(1, ge=1, le=12)


class TableSource(_Model):
    """Where a table lives and how to read it."""

    file: str
    sheet: str | int | None = None
    encoding: Literal["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "cp1252"] | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    """User header → contract column name (e.g. ``客户简码: customer_id``)."""
    date_format: str | None = None
    """strftime format for ambiguous dates, e.g. ``%m/%d/%Y``."""
    decimal: Literal[".", ","] = "."
    """Decimal mark of the numbers: ``","`` for European exports (``18.972,00``; a ``.`` or space is then a thousands separator)."""


class Dimension(_Model):
    """A satisfaction dimension asked on a 1–5 scale."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str
    zh: str
    aliases: list[str] = Field(default_factory=list)


_DEFAULT_DIMENSIONS = [
    Dimension(key="quality", en="Product quality", zh="产品质量", aliases=["质量", "product quality"]),
    Dimension(key="response_speed", en="Service response speed", zh="服务响应速度", aliases=["响应速度", "response speed"]),
    Dimension(key="after_sales", en="After-sales support", zh="售后支持", aliases=["售后服务", "after-sales", "after sales"]),
    Dimension(key="sales_professionalism", en="Sales professionalism", zh="销售专业度", aliases=["销售专业性", "sales professionalism"]),
    Dimension(key="price", en="Price fairness", zh="价格合理性", aliases=["价格", "price", "price fairness"]),
]


class SurveyDesign(_Model):
    min_per_region: int = Field(100, ge=0)
    min_lost_share: float = Field(0.2, ge=0, le=1)
    allocation: Literal["proportional", "neyman"] = "proportional"
    seed: int = 2025
    sample_size: int | None = Field(None, ge=1)
    """Total sample of the next wave; default ``min_per_region`` × regions."""


class ItemWording(_Model):
    """One item's wording in either language (a language left out keeps salesnb's wording).

    ``{company}`` is replaced by ``company.name``, ``{dimension}`` by the dimension's label.
    """

    en: str | None = None
    zh: str | None = None


class QuestionnaireSettings(_Model):
    """The next wave's questionnaire (``salesnb questionnaire``, docs/survey-wave.md): wording overrides.

    ``items`` maps an item code (``Q_CONSENT``, ``Q_TYPE``, ``Q_NPS``, ``Q_SAT``,
    ``Q_DIM_<KEY>``, ``Q_IMPROVE``, ``Q_SUPPORT``) to its wording; codes never
    change with the wording, so answers of every wave land in the same columns.
    """

    title: ItemWording | None = None
    intro: ItemWording | None = None
    items: dict[str, ItemWording] = Field(default_factory=dict)

    @field_validator("items")
    @classmethod
    def _codes(cls, items: dict[str, ItemWording]) -> dict[str, ItemWording]:
        import re

        bad = [k for k in items if not re.fullmatch(r"Q_[A-Z][A-Z0-9_]*", k)]
        if bad:
            raise ValueError(f"item codes look like Q_NPS or Q_DIM_QUALITY, not: {', '.join(bad)}")
        return items


class Survey(_Model):
    dimensions: list[Dimension] = Field(default_factory=lambda: list(_DEFAULT_DIMENSIONS))
    design: SurveyDesign = Field(default_factory=SurveyDesign)
    questionnaire: QuestionnaireSettings = Field(default_factory=QuestionnaireSettings)

    @field_validator("dimensions")
    @classmethod
    def _unique_keys(cls, dims: list[Dimension]) -> list[Dimension]:
        require_unique([d.key for d in dims], "dimension keys")
        return dims


PROBLEM_TYPES = (
    "slow_after_sales_response", "product_quality", "delivery_delay", "price_perception", "sales_competence",
    "billing_errors", "training_gap", "spare_parts", "weak_acquisition", "high_churn",
)
"""The fixed vocabulary of diagnosed problem types (``diagnosis.json``); step 4 maps each to measures."""
ProblemType = Literal[
    "slow_after_sales_response", "product_quality", "delivery_delay", "price_perception", "sales_competence",
    "billing_errors", "training_gap", "spare_parts", "weak_acquisition", "high_churn",
]
FishboneKey = Literal["people", "process", "product", "price", "channel", "environment"]


class TextTheme(_Model):
    """A qualitative code: comments, complaints or interview notes mentioning any keyword belong to the theme."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str
    zh: str
    keywords: list[str] = Field(min_length=1)
    """Matched as substrings, case-insensitively (Chinese needs no word boundaries)."""
    problem_type: ProblemType | None = None
    """The problem type a mention is evidence for."""


_DEFAULT_TEXT_THEMES = [
    TextTheme(key="after_sales_response", en="Slow after-sales response", zh="售后响应慢", problem_type="slow_after_sales_response",
              keywords=["售后", "响应", "报修", "工程师", "回电", "占线", "没人跟进", "没有人跟进", "工程师迟迟", "排队", "回复慢",
                        "after-sales", "after sales", "response time", "slow response", "no response", "waiting for"]),
    TextTheme(key="product_quality", en="Product quality and faults", zh="产品质量与故障", problem_type="product_quality",
              keywords=["质量", "故障", "损坏", "返修", "精度", "不稳定", "开裂", "坏了", "quality", "broken", "defect", "faulty"]),
    TextTheme(key="delivery", en="Delivery and lead time", zh="交付与交期", problem_type="delivery_delay",
              keywords=["交付", "交期", "到货", "发货", "延迟", "延期", "delivery", "delivered", "late", "shipping"]),
    TextTheme(key="price", en="Price and value", zh="价格与性价比", problem_type="price_perception",
              keywords=["价格", "涨价", "报价", "贵", "性价比", "优惠", "议价", "price", "expensive", "cost"]),
    TextTheme(key="sales_service", en="Sales contact and competence", zh="销售对接与专业度", problem_type="sales_competence",
              keywords=["销售代表", "销售经理", "销售只管", "对接人", "联系不上", "参数不熟", "sales rep", "salesperson"]),
    TextTheme(key="billing", en="Invoices and billing", zh="发票与账务", problem_type="billing_errors",
              keywords=["发票", "对账", "账务", "开票", "invoice", "billing"]),
    TextTheme(key="training", en="Training and documentation", zh="培训与资料", problem_type="training_gap",
              keywords=["培训", "教程", "说明文档", "技术资料", "操作", "training", "manual"]),
    TextTheme(key="spare_parts", en="Spare parts", zh="备件供应", problem_type="spare_parts",
              keywords=["备件", "库存", "spare part"]),
]


class TextAnalysis(_Model):
    """How free text (comments, complaint descriptions, interview notes) is tokenised and coded."""

    user_words: list[str] = Field(default_factory=lambda: ["售后响应", "报修", "工单", "性价比", "交期", "备件", "7×24"])
    """Words jieba must keep whole (added to its dictionary)."""
    stopwords: list[str] = Field(default_factory=list)
    """Added to the built-in Chinese, English and Portuguese stop words."""
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    """Canonical term → variants counted as it (e.g. ``售后: [售后服务, 售后部]``)."""
    themes: list[TextTheme] = Field(default_factory=lambda: list(_DEFAULT_TEXT_THEMES))
    top_terms: int = Field(20, ge=1, le=200)
    min_word_length: int = Field(2, ge=1, le=10)
    quotes_per_theme: int = Field(3, ge=0, le=20)

    @field_validator("themes")
    @classmethod
    def _unique_theme_keys(cls, themes: list[TextTheme]) -> list[TextTheme]:
        require_unique([x.key for x in themes], "theme keys")
        return themes


class FishboneCategory(_Model):
    key: FishboneKey
    en: str
    zh: str


_DEFAULT_FISHBONE = [
    FishboneCategory(key="people", en="People", zh="人"),
    FishboneCategory(key="process", en="Process", zh="流程"),
    FishboneCategory(key="product", en="Product", zh="产品"),
    FishboneCategory(key="price", en="Price", zh="价格"),
    FishboneCategory(key="channel", en="Channel", zh="渠道"),
    FishboneCategory(key="environment", en="Environment", zh="环境"),
]


class DiagnosisSettings(_Model):
    """Step 3's statistics and how evidence maps onto problem types."""

    pareto_threshold: float = Field(0.8, gt=0, le=1)
    """The vital few are the causes up to and including the one whose cumulative share reaches this."""
    alpha: float = Field(0.05, gt=0, lt=1)
    """Significance level of the change and gap tests."""
    bootstrap: int = Field(200, ge=0, le=5000)
    """Bootstrap resamples for the driver intervals (0 = none)."""
    min_gap: float = Field(0.2, ge=0, le=4)
    """A region is a problem segment when its 1–5 score trails the rest of the company by this much (and significantly)."""
    target_score: float | None = Field(None, ge=1, le=5)
    """Optional company-wide target for every dimension; without it the company gap is the fall against the previous period."""
    text_problem_share: float = Field(0.1, ge=0, le=1)
    """A problem type seen only in free text is listed when its theme is in at least this share of comments or interviews."""
    dimension_problems: dict[str, ProblemType] = Field(default_factory=lambda: {
        "quality": "product_quality", "response_speed": "slow_after_sales_response", "after_sales": "slow_after_sales_response",
        "sales_professionalism": "sales_competence", "price": "price_perception"})
    """Survey dimension → the problem type a low score is evidence for."""
    complaint_problems: dict[str, ProblemType] = Field(default_factory=lambda: {
        "售后响应慢": "slow_after_sales_response", "售后服务": "slow_after_sales_response", "产品质量": "product_quality",
        "质量问题": "product_quality", "交付延迟": "delivery_delay", "物流": "delivery_delay", "价格争议": "price_perception",
        "价格": "price_perception", "销售服务": "sales_competence", "发票账务": "billing_errors",
        "after-sales": "slow_after_sales_response", "quality": "product_quality", "delivery": "delivery_delay",
        "price": "price_perception", "billing": "billing_errors"})
    """Complaint category → problem type (categories not listed stay in the Pareto, untyped)."""
    problem_categories: dict[ProblemType, FishboneKey] = Field(default_factory=lambda: {
        "slow_after_sales_response": "process", "product_quality": "product", "delivery_delay": "channel",
        "price_perception": "price", "sales_competence": "people", "billing_errors": "process", "training_gap": "people",
        "spare_parts": "channel", "weak_acquisition": "channel", "high_churn": "environment"})
    """Problem type → fishbone bone."""
    fishbone: list[FishboneCategory] = Field(default_factory=lambda: list(_DEFAULT_FISHBONE))


class Retention(_Model):
    window_months: int = Field(12, ge=1, le=36)


class Thresholds(_Model):
    response_promise_hours: float = Field(48, gt=0)
    """First-response promise to customers (hours)."""
    min_group_n: int = Field(30, ge=1)
    """Groups with fewer answers are shown as 'too few answers', not as a number."""


class Bottlenecks(_Model):
    """When the step-1 scan calls something a bottleneck (trailing 12 months vs the 12 before)."""

    new_customers_drop: float = Field(0.15, ge=0, le=1)
    """Fall in new customers that counts as weak acquisition (0.15 = −15 %)."""
    churn_rise_points: float = Field(0.03, ge=0, le=1)
    """Rise in churn rate, in rate points (0.03 = +3 points)."""
    growth_stall: float = Field(0.02, ge=-1, le=1)
    """Revenue growth at or below this, after growing above it the year before, is a stall."""
    revenue_fall: float = Field(0.2, ge=0, le=1)
    """With under 24 months of history (no twelve-month comparison), a fall of the latest quarter's revenue of
    at least this (0.2 = −20 %) against the same quarter a year earlier — or, without it, the quarter before — is a bottleneck."""
    nps_drop_points: float = Field(8, ge=0, le=200)
    dimension_drop: float = Field(0.2, ge=0, le=4)
    """Fall of a 1–5 dimension mean."""
    complaint_rise: float = Field(0.5, ge=0)
    """Rise in a complaint category's tickets (0.5 = +50 %) …"""
    complaint_min_tickets: int = Field(10, ge=1)
    """… with at least this many tickets in the latest 12 months."""
    promise_broken_share: float = Field(0.2, ge=0, le=1)
    """Share of tickets answered later than the promise that counts as a broken promise."""
    late_delivery_share: float = Field(0.15, ge=0, le=1)
    """Share of the orders due that arrived after the promised day (or not at all) that counts as a delivery problem."""


class Planning(_Model):
    """How goals are judged and baselines turned into targets."""

    horizon_years: int = Field(2, ge=1, le=5)
    """A deadline more than this many years after the report period is not time-bound."""
    gap_close_share: float = Field(0.5, gt=0, le=1)
    """Share of the gap to the industry leader a suggested target closes per year."""
    stretch_factor: float = Field(1.5, ge=1)
    """Required growth up to this × the best historical year is a stretch; beyond it, unrealistic."""
    max_yearly_change: dict[str, float] = Field(
        default_factory=lambda: {"nps": 12.0, "satisfaction_mean": 0.3, "satisfaction_top2": 0.1, "repurchase_rate": 0.08,
                                 "churn_rate": 0.08, "response_over_promise_share": 0.25, "new_customer_revenue_share": 0.08,
                                 "repeat_purchase_rate": 0.08, "complaints": 0.25}
    )
    """Plausible yearly improvement with a dedicated programme, used when history shows less:
    rate points for rates and shares, relative change for ``complaints``."""


class MeasureEntry(_Model):
    """A measure of the step-4 library: a new key adds one (all fields needed),
    a built-in key replaces the fields given, ``disabled: true`` removes it."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    problem_type: str | None = None
    en: str | None = None
    zh: str | None = None
    kpi: str | None = None
    direction: Literal[-1, 1] | None = None
    owner_en: str | None = None
    owner_zh: str | None = None
    weeks: int | None = Field(None, ge=1, le=104)
    effort: int | None = Field(None, ge=1, le=5)
    effect: float | None = None
    disabled: bool = False


class ImproveSettings(_Model):
    """How step 4 turns problems into actions and judges them."""

    top_problems: int = Field(3, ge=1, le=20)
    """New planned actions come from this many highest-ranked problems (the best measure each)."""
    alpha: float = Field(0.05, gt=0, lt=0.5)
    """Significance level of the KPI tests on survey KPIs."""


class Theme(_Model):
    key: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    en: str
    zh: str


class GoalTarget(_Model):
    value: float | None = None
    growth: float | None = None
    """Relative change against the baseline period, e.g. 0.15 for +15 %."""

    @model_validator(mode="after")
    def _one_of(self) -> "GoalTarget":
        if (self.value is None) == (self.growth is None):
            raise ValueError("give exactly one of 'value' or 'growth'")
        return self


class Goal(_Model):
    id: str
    metric: str
    target: GoalTarget
    deadline: str
    scope: dict[str, str] = Field(default_factory=dict)
    """Column → value, e.g. ``{region: 华东}``; empty = whole company."""
    theme: str | None = None
    en: str | None = None
    zh: str | None = None

    @field_validator("deadline")
    @classmethod
    def _period(cls, v: str) -> str:
        if not PERIOD_PATTERN.match(v.upper()):
            raise ValueError(f"deadline {v!r} must be a period like 2026Q4 or 2026")
        return v.upper()


class Benchmark(_Model):
    industry: float | None = None
    leader: float | None = None
    source: str | None = None


class Benchmarks(_Model):
    nps: Benchmark = Field(default_factory=Benchmark)
    satisfaction: Benchmark = Field(default_factory=Benchmark)
    repurchase_rate: Benchmark = Field(default_factory=Benchmark)


import datetime as _dt  # noqa: E402 - used by the checks section below


class UnknownCustomers(_Model):
    """Rows naming a ``customer_id`` that is not in customers, as a share of each
    table's rows with a customer id: above ``warn_above`` a warning, above
    ``error_above`` an error (at or below ``warn_above`` an info note)."""

    warn_above: float = Field(0.0, ge=0, le=1)
    error_above: float = Field(0.05, ge=0, le=1)
    headline_above: float = Field(0.005, ge=0, le=1)
    """Sales only: unknown customer ids (left after the zero-padding repair) that
    carry more than this share of the sales amount, or are more than this share
    of the distinct customers in sales, are an error: they would be counted as
    customers of their own (new customers, active customers, repeat rate) and
    move the headline numbers. At or below it the row-share rules above apply."""

    @model_validator(mode="after")
    def _ordered(self) -> "UnknownCustomers":
        if self.error_above < self.warn_above:
            raise ValueError("error_above must be at least warn_above")
        return self


class ScaleDeclaration(_Model):
    """A survey score column written on another scale than the contract's
    (e.g. satisfaction 1–10 instead of 1–5) and how to convert it:
    ``linear`` maps low…high onto the contract scale, ``none`` keeps the values
    (e.g. an NPS asked 1–10, read with the usual 9–10 / 0–6 classes), or an
    explicit ``{answer: value}`` table."""

    low: int
    high: int
    convert: Literal["linear", "none"] | dict[int, float] = "linear"

    @model_validator(mode="after")
    def _range(self) -> "ScaleDeclaration":
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self


class ExtremeAmounts(_Model):
    """An order line is implausible (an error naming line and value) when its
    absolute amount is more than ``factor`` times the ``percentile`` of the
    absolute line amounts, **and** more than ``quarter_share`` of the rest of
    its quarter's revenue (a typo with extra zeros). ``factor: 0`` turns the
    check off. Sales with fewer than ``min_rows`` lines are not checked (no
    percentile to compare with)."""

    factor: float = Field(100.0, ge=0)
    percentile: float = Field(99.0, gt=0, lt=100)
    quarter_share: float = Field(0.5, ge=0)
    min_rows: int = Field(100, ge=1)


class ManyValues(_Model):
    """Region and product-line columns with a long tail of values (``checks.many_values``).

    Above ``warn_above`` distinct values validation warns (``many_values``: a
    customer or product code mapped as the region or product line?). With
    ``group: true`` (default) a column with more than ``keep + 1`` distinct
    values keeps its ``keep`` largest values by sales amount over the loaded
    history (ties by name; values named in ``workspace.yaml`` — goal scopes,
    breakdown overrides and potential drivers, budget limits and strategic
    weights — are always kept) and
    every other value becomes one value, ``label`` (default ``其他`` when the
    kept values are Chinese, else ``Other``), in every table, so that plans,
    charts and the target matrix stay legible (repair ``long_tail_grouped``).
    ``group: false`` keeps every value as it is."""

    warn_above: int = Field(200, ge=1)
    keep: int = Field(40, ge=1)
    group: bool = True
    label: str | None = Field(None, min_length=1)


class Checks(_Model):
    """Input checks of ``salesnb.io`` (robustness of real-world exports)."""

    unknown_customers: UnknownCustomers = Field(default_factory=UnknownCustomers)
    earliest_date: _dt.date = _dt.date(2000, 1, 1)
    """Rows dated before this (or after the day of the run) are quarantined with a warning."""
    scales: dict[str, ScaleDeclaration] = Field(default_factory=dict)
    """Survey score column → its declared scale (``satisfaction: {low: 1, high: 10}``)."""
    extreme_amounts: ExtremeAmounts = Field(default_factory=lambda: ExtremeAmounts())
    """Order lines whose amount is implausibly large (a typo with extra zeros) are an error."""
    many_values: ManyValues = Field(default_factory=lambda: ManyValues())
    """Regions or product lines with a long tail: warn above ``warn_above``, group all but the ``keep`` largest."""


# ---- step 2: breakdown, tiers, budget and the action plan -------------------------

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


class SourceSettings(_Model):
    """Where the prepare step reduces the raw tables (``workspace.yaml``'s ``source:``).

    ``engine: duckdb`` (the default) reads the workspace's own files in an
    embedded DuckDB; ``postgres`` and ``spark`` run the same reduction where the
    data already is, and only the aggregates come back (``tables`` names the
    sales and customers tables there). See ``docs/scale.md``.
    """

    engine: Literal["duckdb", "postgres", "spark"] = "duckdb"
    url: str | None = None
    """PostgreSQL connection URL (``postgresql://user@host:5432/db``); prefer ``url_env``."""
    url_env: str | None = None
    """Name of an environment variable holding the URL (keeps passwords out of this file)."""
    tables: dict[Literal["sales", "customers"], str] = Field(default_factory=dict)
    """Table (or ``schema.table``) names in the database or Spark catalogue."""
    master: str = "local[2]"
    """Spark master URL for ``engine: spark`` (``local[2]``, ``spark://host:7077`` …)."""
    spark_conf: dict[str, str] = Field(default_factory=dict)
    """Extra Spark settings (``spark.executor.memory: 4g`` …)."""
    reader: Literal["auto", "contract", "engine"] = "auto"
    """Row-level reading of files: ``contract`` = the pandas reader with every repair; ``engine`` =
    DuckDB SQL over clean CSV/Parquet; ``auto`` = engine from ``engine_min_rows`` sales rows on, contract below."""
    engine_min_rows: int = Field(200_000, ge=0)
    """Sales rows from which ``reader: auto`` uses the engine (Parquet: from its metadata; CSV: estimated as bytes / 80)."""
    contract_max_rows: int = Field(2_000_000, ge=0)
    """A file the engine reader finds a broken rule in is read again by the contract reader (which repairs
    what it documents, or reports the problem its way) up to this many rows; above it the engine's error stands."""
    memory_limit: str | None = None
    """DuckDB memory limit (e.g. ``4GB``); it spills to disk beyond it."""
    threads: int | None = Field(None, ge=1)
    """DuckDB threads (default: all cores)."""

    @model_validator(mode="after")
    def _engine_settings(self) -> "SourceSettings":
        if self.engine == "postgres" and not (self.url or self.url_env):
            raise ValueError("engine postgres needs url or url_env")
        if self.engine != "duckdb" and not {"sales", "customers"} <= set(self.tables):
            raise ValueError(f"engine {self.engine} needs tables.sales and tables.customers (names in the {self.engine} source)")
        return self


class ValueLabels(_Model):
    """How one report language names the values of the data: ``{value as in the data: label}``."""

    region: dict[str, str] = Field(default_factory=dict)
    product_line: dict[str, str] = Field(default_factory=dict)
    category: dict[str, str] = Field(default_factory=dict)
    """Complaint categories."""


class Labels(_Model):
    """Optional names of regions, product lines and complaint categories per report language
    (``labels: {en: {region: {华东: East China}}}``): English reports of Chinese data need them."""

    en: ValueLabels = Field(default_factory=ValueLabels)
    zh: ValueLabels = Field(default_factory=ValueLabels)


def value_label(config, field: str, value, lang: str) -> str:
    """``value`` of ``field`` (``region``, ``product_line``, ``category``) as reports in ``lang`` name it.

    The label of ``labels.<lang>.<field>`` in ``workspace.yaml``, else the value as in the data.

    Examples
    --------
    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "labels": {"en": {"region": {"华东": "East China"}}}})
    >>> value_label(cfg, "region", "华东", "en"), value_label(cfg, "region", "华东", "zh"), value_label(cfg, "region", "华北", "en")
    ('East China', '华东', '华北')
    """
    labels = getattr(getattr(getattr(config, "labels", None), lang, None), field, None) or {}
    return labels.get(str(value), str(value))


def value_labels(config, lang: str) -> dict[str, str]:
    """Every ``value → label`` of ``lang`` in ``workspace.yaml`` (regions, product lines, categories together).

    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "labels": {"en": {"category": {"交付延迟": "Late delivery"}}}})
    >>> value_labels(cfg, "en"), value_labels(cfg, "zh")
    ({'交付延迟': 'Late delivery'}, {})
    """
    chosen = getattr(getattr(config, "labels", None), lang, None)
    if chosen is None:
        return {}
    return {**chosen.category, **chosen.product_line, **chosen.region}


class WorkspaceConfig(_Model):
    """Everything ``workspace.yaml`` may say."""

    company: Company
    calendar: Calendar = Field(default_factory=Calendar)
    tables: dict[Literal["sales", "customers", "surveys", "complaints", "interviews", "actions"], TableSource] = Field(default_factory=dict)
    survey: Survey = Field(default_factory=Survey)
    text: TextAnalysis = Field(default_factory=TextAnalysis)
    diagnosis: DiagnosisSettings = Field(default_factory=DiagnosisSettings)
    retention: Retention = Field(default_factory=Retention)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    themes: list[Theme] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    benchmarks: Benchmarks = Field(default_factory=Benchmarks)
    bottlenecks: Bottlenecks = Field(default_factory=Bottlenecks)
    planning: Planning = Field(default_factory=Planning)
    checks: Checks = Field(default_factory=Checks)
    breakdown: Breakdown = Field(default_factory=Breakdown)
    tiers: Tiers = Field(default_factory=Tiers)
    budget: Budget = Field(default_factory=Budget)
    action_plan: list[PlanAction] = Field(default_factory=list)
    measures: list[MeasureEntry] = Field(default_factory=list)
    improve: ImproveSettings = Field(default_factory=ImproveSettings)
    source: SourceSettings = Field(default_factory=SourceSettings)
    labels: Labels = Field(default_factory=Labels)
    """Optional names of data values per report language (:func:`value_label`)."""

    @model_validator(mode="after")
    def _goal_ids_unique(self) -> "WorkspaceConfig":
        require_unique([g.id for g in self.goals], "goal ids")
        return self

    def dimension_aliases(self) -> dict[str, tuple[str, ...]]:
        """Dimension key → header aliases (its labels and listed aliases)."""
        return {d.key: (d.en, d.zh, *d.aliases) for d in self.survey.dimensions}


def _key_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


MAX_YAML_BYTES = 2_000_000
"""Largest ``workspace.yaml`` read (a real one is a few to a hundred KB)."""

MAX_YAML_VALUES = 200_000
"""Most values a YAML file may expand to once its aliases (``*name``) are repeated (a billion-laughs guard)."""


def _expanded_values(node, memo: dict) -> int:
    """How many scalar, list and mapping values ``node`` stands for once every alias is expanded."""
    import yaml

    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a recursive alias counts once instead of looping
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_values(c, memo) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_values(k, memo) + _expanded_values(v, memo) for k, v in node.value)
    else:
        n = 1
    memo[key] = n
    return n


def read_yaml(path: Path, loader=None, max_bytes: int = MAX_YAML_BYTES, max_values: int = MAX_YAML_VALUES):
    """Parse a small YAML file safely: size-capped, alias expansion counted before anything is built.

    Parameters
    ----------
    path : Path
    loader : yaml loader class, default ``yaml.SafeLoader`` (no ``!!python/…`` tags)
    max_bytes, max_values : int
        Limits; beyond either a :class:`ConfigError` says which and by how much.

    Raises
    ------
    ConfigError
        Too large, not UTF-8, not YAML, or expanding past ``max_values``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "w.yaml"
    >>> _ = f.write_text("a: &x [1, 2]\nb: *x\n")
    >>> read_yaml(f)
    {'a': [1, 2], 'b': [1, 2]}
    """
    import yaml

    loader = loader or yaml.SafeLoader
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise ConfigError([Problem(name, None, None, f"{size:,} bytes",
                                   f"is too large to be a settings file (limit {max_bytes:,} bytes); keep data in the tables, not in {name}")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(name, None, None, None, f"must be UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    try:
        parser = loader(text)
        try:
            node = parser.get_single_node()
            if node is None:
                return None
            values = _expanded_values(node, {})
            if values > max_values:
                raise ConfigError([Problem(name, node.start_mark.line + 1, None, f"{values:,} values",
                                           f"expands to more than {max_values:,} values through its aliases (&name / *name); "
                                           "write the repeated settings out instead")])
            return parser.construct_document(node)
        finally:
            parser.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([Problem(name, line, None, None, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None


def _short(value) -> str:
    """At most 60 characters of a value for a message, without rendering a huge value first."""
    if isinstance(value, (dict, list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    return str(value)[:60]


def load_config(path: str | Path) -> WorkspaceConfig:
    """Read and validate ``workspace.yaml``.

    Raises
    ------
    ConfigError
        With one problem per broken key; ``column`` holds the key path.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ConfigError([Problem(name, None, None, str(path), f"{CONFIG_FILE} is missing from the workspace folder")])
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([Problem(name, None, None, repr(data)[:60], "must be a mapping of sections (company, tables, goals …)")])
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            rule = {"extra_forbidden": "unknown key", "missing": "required key is missing"}.get(err["type"], err["msg"])
            value = None if err["type"] == "missing" else _short(err.get("input"))
            problems.append(Problem(name, None, _key_path(err["loc"]), value, rule))
        raise ConfigError(problems, f"{len(problems)} problem(s) in {name}") from None
