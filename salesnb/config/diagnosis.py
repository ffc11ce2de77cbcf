"""Steps 3 and 4: ``diagnosis:``, ``measures:`` and ``improve:``.

Here: the fixed vocabulary of problem types (:data:`PROBLEM_TYPES`), the fishbone, step 3's statistics and
evidence mapping, step 4's measure library entries and settings. Not here: the survey and text coding they read
(:mod:`salesnb.config.survey`).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import _Model

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
