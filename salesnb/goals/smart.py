"""The SMART check of step 1's goals: specific, measurable, achievable, relevant, time-bound, and a verdict.

Here: :func:`check_goals` with one helper per criterion, the history it judges
achievability against and a goal's target value. Not here: the reasons as
sentences (:func:`salesnb.goals.goal_reasons`), the check as a table
(:func:`salesnb.goals.goal_table`) or the forecast it reads (:mod:`salesnb.goals.forecast`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import Goal, GoalTarget, WorkspaceConfig
from ..periods import Period
from .forecast import _forecast_for
from .kpi_list import _COMPLAINT, _NEEDS_A_YEAR, _SURVEY, FLOW_METRICS, LOWER_IS_BETTER, METRICS
from .tables import Tables
from .values import metric_value

#: The columns a goal's scope may name.
_SCOPES = ("region", "product_line")


@dataclass(frozen=True)
class _Judgement:
    achievable: str
    required: float
    reference: float
    detail: dict = field(default_factory=dict)


def _periods_between(a: Period, b: Period) -> float:
    """Years from the end of ``a`` to the end of ``b``."""
    months = (b.end_exclusive.year - a.end_exclusive.year) * 12 + b.end_exclusive.month - a.end_exclusive.month
    return months / 12


def _history(metric: str, tables: Tables, last: Period) -> dict[Period, float]:
    """Values of ``metric`` over the periods of ``last``'s grain up to ``last`` (three years at most).

    Periods the data starts inside are left out (a part of a period is not its
    level), and so are periods starting within twelve months of the first sale
    for metrics that need a year of history (in the first year every customer looks new).
    """
    first = tables.sales["order_date"].min() if tables.sales is not None and len(tables.sales) else None
    values = {}
    p = last
    for _ in range(12 if last.is_quarter else 3):
        censored = metric in _NEEDS_A_YEAR and first is not None and p.start < first.normalize().replace(day=1) + pd.DateOffset(months=12)
        if not censored and tables.covers(p):  # a period the data starts inside is not a level (its growth would be huge)
            values[p] = metric_value(metric, tables, p)
        p = p.shift(-1)
    return {k: v for k, v in values.items() if v == v}


def _history_changes(metric: str, values: dict[Period, float]) -> list[float]:
    """Year-over-year changes (relative for amounts, points for rates), favourable direction positive."""
    changes = []
    for p, v in values.items():
        prev = values.get(p.year_ago())
        if prev is None:
            continue
        if metric in FLOW_METRICS:
            if prev <= 0:
                continue
            c = v / prev - 1
        else:
            c = v - prev
        changes.append(-c if metric in LOWER_IS_BETTER else c)
    return changes


def _target_value(goal: Goal, baseline: float) -> float:
    tgt: GoalTarget = goal.target
    return tgt.value if tgt.value is not None else baseline * (1 + tgt.growth)


@dataclass(frozen=True)
class _Check:
    """What every goal of one :func:`check_goals` call is checked against."""

    tables: Tables
    report: Period
    config: WorkspaceConfig
    forecast: pd.DataFrame | None
    themes: set[str]
    latest_year: Period
    latest_quarter: Period

    def latest(self, deadline: Period) -> Period:
        """The latest complete period of ``deadline``'s grain."""
        return self.latest_quarter if deadline.is_quarter else self.latest_year


def check_goals(goals: list[Goal], tables: Tables, report: Period, config: WorkspaceConfig,
                forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check each goal on the five SMART criteria and give a verdict.

    - **Specific**: the metric is one of :data:`METRICS` and its scope names
      columns and values present in the data.
    - **Measurable**: the baseline can be computed from the workspace.
    - **Achievable**: the required yearly change (relative growth for amounts,
      points for rates) against the best year-over-year change in the history
      (for rates at least ``planning.max_yearly_change``): *within reach* up to
      it, *stretch* up to ``stretch_factor`` × it, *unrealistic* beyond; *too
      timid* when the target is no better than the baseline, or (revenue)
      below the forecast interval's lower bound for the deadline.
    - **Relevant**: its theme is one of the declared strategic themes.
    - **Time-bound**: the deadline falls after the report period and within
      ``planning.horizon_years``.

    Baseline: for a growth target, the same period a year before the
    deadline (or the latest complete one of the deadline's grain); for a value
    target, the latest complete period of the deadline's grain.

    Returns one row per goal: ``goal_id``, ``metric``, ``scope``,
    ``baseline_period``, ``baseline``, ``target``, ``deadline``,
    ``required_change``, ``reference_change``, ``forecast``, the five criteria
    (booleans; ``achievable`` holds the class), ``verdict`` and ``reason_codes``.
    """
    themes = {th.key for th in config.themes}
    latest_year = Period(report.year if not report.is_quarter or report.quarter == 4 else report.year - 1, None, report.start_month)
    latest_quarter = report.quarters()[-1]
    check = _Check(tables, report, config, forecast, themes, latest_year, latest_quarter)
    rows = [_check_goal(g, check) for g in goals]
    return pd.DataFrame(rows, columns=GOAL_CHECK_COLUMNS)


#: The columns of :func:`check_goals` (an empty goal list gives an empty frame with them).
GOAL_CHECK_COLUMNS = ["goal_id", "metric", "scope", "theme", "baseline_period", "baseline", "target", "deadline", "required_change",
                      "reference_change", "forecast", "specific", "measurable", "achievable", "relevant", "time_bound", "verdict",
                      "reason_codes", "label_en", "label_zh"]


def _check_goal(g: Goal, c: _Check) -> dict:
    """One goal's row of :func:`check_goals`; ``reason_codes`` in the order the criteria are checked."""
    reasons: list[tuple[str, dict]] = []
    try:
        deadline = Period.parse(g.deadline, c.report.start_month)
    except ValueError:
        deadline = None
    specific, scope_ok = _specific(g, c.tables, reasons)
    sub = c.tables.scoped(g.scope) if scope_ok else None
    baseline_period, baseline = _baseline(g, c, sub, deadline, specific, reasons)
    measurable = bool(specific and baseline == baseline)
    if specific and not measurable and baseline_period is not None and c.tables.covers(baseline_period):
        reasons.append(("gl_r_no_baseline", {"metric": g.metric}))
    relevant = g.theme is not None and g.theme in c.themes
    if not relevant:
        reasons.append(("gl_r_theme", {"theme": g.theme or "—"}))
    time_bound = _time_bound(g, c, deadline, reasons)

    target = _target_value(g, baseline) if measurable else (g.target.value if g.target.value is not None else float("nan"))
    achievable, required, reference, fc = "n/a", float("nan"), float("nan"), float("nan")
    if measurable and time_bound:
        achievable, required, reference, fc = _achievable(g, c, sub, baseline_period, baseline, target, deadline, reasons)
    if not (specific and measurable and relevant and time_bound):
        verdict = "revise"
    else:
        verdict = {"within_reach": "sound", "stretch": "stretch", "unrealistic": "unrealistic", "too_timid": "too_timid"}.get(achievable, "revise")
    return {
        "goal_id": g.id, "metric": g.metric, "scope": ", ".join(f"{k}={v}" for k, v in g.scope.items()) or "company",
        "theme": g.theme, "baseline_period": str(baseline_period) if baseline_period else None, "baseline": baseline,
        "target": target, "deadline": g.deadline, "required_change": required, "reference_change": reference,
        "forecast": fc, "specific": specific, "measurable": measurable, "achievable": achievable,
        "relevant": relevant, "time_bound": time_bound, "verdict": verdict,
        "reason_codes": reasons, "label_en": g.en, "label_zh": g.zh,
    }


def _specific(g: Goal, tables: Tables, reasons: list[tuple[str, dict]]) -> tuple[bool, bool]:
    """(specific, scope found): the metric is known and every scope column and value is in the metric's table."""
    specific = g.metric in METRICS
    if not specific:
        reasons.append(("gl_r_unknown_metric", {"metric": g.metric}))
    scope_ok = True
    for col, val in g.scope.items():
        table = tables.surveys if g.metric in _SURVEY else tables.complaints if g.metric in _COMPLAINT else tables.sales
        if col not in _SCOPES or table is None or col not in table or not (table[col] == val).any():
            scope_ok = False
            reasons.append(("gl_r_scope", {"scope": f"{col}={val}"}))
    return specific and scope_ok, scope_ok


def _baseline(g: Goal, c: _Check, sub: Tables | None, deadline: Period | None, specific: bool,
              reasons: list[tuple[str, dict]]) -> tuple[Period | None, float]:
    """(baseline period, baseline): a year before the deadline for a growth target when that is complete, else the
    latest complete period of the deadline's grain; NaN when the data starts inside it."""
    baseline_period = None
    baseline = float("nan")
    if specific and deadline is not None:
        latest = c.latest(deadline)
        if g.target.growth is not None and deadline.year_ago() <= latest:
            baseline_period = deadline.year_ago()
        else:
            baseline_period = latest
        if c.tables.covers(baseline_period):
            baseline = metric_value(g.metric, sub, baseline_period)
        else:
            reasons.append(("gl_r_partial_baseline", {"period": str(baseline_period), "start": c.tables.data_start.date().isoformat()}))
    return baseline_period, baseline


def _time_bound(g: Goal, c: _Check, deadline: Period | None, reasons: list[tuple[str, dict]]) -> bool:
    """Whether the deadline falls after the report period and within ``planning.horizon_years``."""
    report = c.report
    horizon_end = Period(report.year + c.config.planning.horizon_years, None, report.start_month)
    time_bound = deadline is not None and report.end < deadline.end <= horizon_end.end
    if not time_bound:
        reasons.append(("gl_r_deadline", {"deadline": g.deadline, "period": str(report), "years": c.config.planning.horizon_years}))
    return time_bound


def _required_change(metric: str, baseline: float, target: float, years: float) -> float:
    """The yearly change the target needs (relative growth for amounts, points for rates), favourable direction positive."""
    lower = metric in LOWER_IS_BETTER
    if metric in FLOW_METRICS:
        ratio = target / baseline if baseline > 0 else float("nan")
        required = (ratio ** (1 / years) - 1) if ratio == ratio and ratio > 0 else float("nan")
        return -required if lower else required
    return ((baseline - target) if lower else (target - baseline)) / years


def _achievable(g: Goal, c: _Check, sub: Tables, baseline_period: Period, baseline: float, target: float, deadline: Period,
                reasons: list[tuple[str, dict]]) -> tuple[str, float, float, float]:
    """(class, required change, reference change, revenue forecast) of a measurable, time-bound goal.

    The reference is the best year-over-year change in the history, raised to
    ``planning.max_yearly_change`` when that is larger; a target level the
    history has reached counts as within reach.
    """
    years = max(_periods_between(baseline_period, deadline), 0.25)
    lower = g.metric in LOWER_IS_BETTER
    required = _required_change(g.metric, baseline, target, years)
    levels = _history(g.metric, sub, c.latest(deadline))
    hist = _history_changes(g.metric, levels)
    floor = c.config.planning.max_yearly_change.get(g.metric)
    reference = max(hist) if hist else float("nan")
    # a level the business has already reached in the history counts as within reach
    best_level = (min(levels.values()) if lower else max(levels.values())) if levels else float("nan")
    done_before = best_level == best_level and ((target >= best_level) if lower else (target <= best_level))
    from_floor = floor is not None and (reference != reference or floor > reference)
    if from_floor:
        reference = floor
    fc = float("nan")
    if g.metric == "revenue" and c.forecast is not None:
        fc_low, fc = _forecast_for(c.forecast, g.scope, deadline)
    else:
        fc_low = float("nan")
    if required != required or reference != reference:
        achievable = "n/a"
        reasons.append(("gl_r_no_history", {}))
    elif required <= 0 or (fc_low == fc_low and target < fc_low):
        achievable = "too_timid"
        reasons.append(("gl_r_timid_forecast" if fc_low == fc_low and target < fc_low else "gl_r_timid", {}))
    else:
        stretch_limit = reference * c.config.planning.stretch_factor if reference > 0 else reference + 0.05
        achievable = "within_reach" if required <= reference or done_before else "stretch" if required <= stretch_limit else "unrealistic"
        code = "gl_r_done_before" if done_before and required > reference else f"gl_r_{achievable}"
        reasons.append((code + ("_floor" if from_floor and code != "gl_r_done_before" else ""), {}))
    return achievable, required, reference, fc
