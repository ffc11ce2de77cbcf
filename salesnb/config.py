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
    "load_config",
    "TableSource",
    "Dimension",
    "Goal",
    "Theme",
    "CONFIG_FILE",
]

CONFIG_FILE = "workspace.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Company(_Model):
    name: str
    currency: str = "CNY"
    unit: Literal["元", "千元", "万元", "百万元", "unit", "thousand", "million"] = "元"
    """Unit of the amounts in the files (converted to ``currency`` on read)."""
    display_unit: Literal["元", "千元", "万元", "百万元", "unit", "thousand", "million"] = "万元"
    """Unit used in report tables and charts."""
    industry: str | None = None


class Calendar(_Model):
    fiscal_year_start_month: int = Field(1, ge=1, le=12)


class TableSource(_Model):
    """Where a table lives and how to read it."""

    file: str
    sheet: str | int | None = None
    encoding: Literal["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"] | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    """User header → contract column name (e.g. ``客户简码: customer_id``)."""
    date_format: str | None = None
    """strftime format for ambiguous dates, e.g. ``%m/%d/%Y``."""


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


class Survey(_Model):
    dimensions: list[Dimension] = Field(default_factory=lambda: list(_DEFAULT_DIMENSIONS))
    design: SurveyDesign = Field(default_factory=SurveyDesign)

    @field_validator("dimensions")
    @classmethod
    def _unique_keys(cls, dims: list[Dimension]) -> list[Dimension]:
        keys = [d.key for d in dims]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"dimension keys must be unique, repeated: {', '.join(dup)}")
        return dims


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
    nps_drop_points: float = Field(8, ge=0, le=200)
    dimension_drop: float = Field(0.2, ge=0, le=4)
    """Fall of a 1–5 dimension mean."""
    complaint_rise: float = Field(0.5, ge=0)
    """Rise in a complaint category's tickets (0.5 = +50 %) …"""
    complaint_min_tickets: int = Field(10, ge=1)
    """… with at least this many tickets in the latest 12 months."""
    promise_broken_share: float = Field(0.2, ge=0, le=1)
    """Share of tickets answered later than the promise that counts as a broken promise."""


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


class WorkspaceConfig(_Model):
    """Everything ``workspace.yaml`` may say."""

    company: Company
    calendar: Calendar = Field(default_factory=Calendar)
    tables: dict[Literal["sales", "customers", "surveys", "complaints", "interviews", "actions"], TableSource] = Field(default_factory=dict)
    survey: Survey = Field(default_factory=Survey)
    retention: Retention = Field(default_factory=Retention)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    themes: list[Theme] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    benchmarks: Benchmarks = Field(default_factory=Benchmarks)
    bottlenecks: Bottlenecks = Field(default_factory=Bottlenecks)
    planning: Planning = Field(default_factory=Planning)

    @model_validator(mode="after")
    def _goal_ids_unique(self) -> "WorkspaceConfig":
        ids = [g.id for g in self.goals]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"goal ids must be unique, repeated: {', '.join(dup)}")
        return self

    def dimension_aliases(self) -> dict[str, tuple[str, ...]]:
        """Dimension key → header aliases (its labels and listed aliases)."""
        return {d.key: (d.en, d.zh, *d.aliases) for d in self.survey.dimensions}


def _key_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_config(path: str | Path) -> WorkspaceConfig:
    """Read and validate ``workspace.yaml``.

    Raises
    ------
    ConfigError
        With one problem per broken key; ``column`` holds the key path.
    """
    import yaml

    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ConfigError([Problem(name, None, None, str(path), f"{CONFIG_FILE} is missing from the workspace folder")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(name, None, None, None, f"must be UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([Problem(name, line, None, None, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(name, None, None, repr(data)[:60], "must be a mapping of sections (company, tables, goals …)")])
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            rule = {"extra_forbidden": "unknown key", "missing": "required key is missing"}.get(err["type"], err["msg"])
            value = None if err["type"] == "missing" else str(err.get("input"))[:60]
            problems.append(Problem(name, None, _key_path(err["loc"]), value, rule))
        raise ConfigError(problems, f"{len(problems)} problem(s) in {name}") from None
