"""The customers' voice: ``survey:`` (dimensions, the next wave's design and questionnaire) and ``text:``.

Here: survey dimensions, the sampling design, questionnaire wording and how free text is tokenised and coded
into themes. Not here: the problem types a theme is evidence for and step 3's statistics
(:mod:`salesnb.config.diagnosis`).
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .base import _Model, require_unique
from .diagnosis import ProblemType


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
