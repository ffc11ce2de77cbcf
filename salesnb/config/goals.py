"""Step 1: ``goals:``, ``themes:``, ``benchmarks:``, ``bottlenecks:``, ``planning:``, ``retention:``, ``thresholds:``.

Here: goals and their targets, the industry benchmarks, when a trend is a bottleneck and how goals are
judged. Not here: step 2's plan (:mod:`salesnb.config.plan`).
"""
from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ..periods import PERIOD_PATTERN
from .base import _Model


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
