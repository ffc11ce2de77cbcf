"""Step 4's follow-up: every earlier action judged on its KPI (:func:`track`) and each step-1 goal against
the actual to date (:func:`goal_attainment`).

Not here: the verdicts in words or tables (:mod:`salesnb.improve.narrative`,
:mod:`salesnb.improve.views`).
"""
from __future__ import annotations

import pandas as pd

from .. import metrics as m
from ..goals import FLOW_METRICS, LOWER_IS_BETTER, METRICS, Tables, last_complete_year, metric_value
from ..goals.smart import _target_value
from ..periods import Period
from ..survey import nps_change_test, welch_test
from .kpi_values import kpi_value, parse_segment, segment_of
from .register import OPEN_STATUSES

#: What tracking says of an earlier action (see :func:`track`).
VERDICTS = ("effective", "not_yet", "ineffective", "no_data")


def _survey_test(kpi: str, tables: Tables, segment: dict, before: Period, now: Period):
    sub = tables.scoped(segment)
    if sub.surveys is None:
        return None
    a = sub.surveys.loc[now.contains(sub.surveys["survey_date"])]
    b = sub.surveys.loc[before.contains(sub.surveys["survey_date"])]
    if kpi == "nps":
        return nps_change_test(m.nps(a["nps"]), m.nps(b["nps"]))
    col = kpi[4:] if kpi.startswith("dim:") else ("satisfaction" if kpi == "satisfaction_mean" else None)
    if col is None or col not in a:
        return None
    return welch_test(a[col], b[col])


def track(register: pd.DataFrame, tables: Tables, period: Period, alpha: float = 0.05) -> pd.DataFrame:
    """Judge every action opened before ``period`` on its KPI.

    For each: the baseline (the register's, measured when it was opened), the
    KPI now in the action's segment, the change, and for survey KPIs (NPS,
    satisfaction, ``dim:`` scores) the two-sided test of step 3 between the
    answers of the opening period and of ``period`` (NPS: z; means: Welch).

    Verdicts: *effective* — moved the right way, significantly for survey
    KPIs, otherwise by at least half the planned change (target − baseline);
    *ineffective* — moved the wrong way significantly, or the due date has
    passed without an effect; *not yet* — otherwise; *no data* — the KPI
    cannot be computed. Dropped actions are not judged. ``overdue`` flags open
    actions past their due date.
    """
    rows = []
    for row in register.itertuples():
        opened = str(row.period_opened) if pd.notna(row.period_opened) else None
        if row.status == "dropped" or opened is None:
            continue
        try:
            p_open = Period.parse(opened, period.start_month)
        except ValueError:
            continue
        if p_open.end >= period.end:  # opened in this period (or later): nothing to judge yet
            continue
        segment = parse_segment(row.segment)
        direction = -1 if (row.kpi in LOWER_IS_BETTER or row.kpi == "median_first_response_hours") else 1
        baseline = float(row.baseline) if pd.notna(row.baseline) else kpi_value(row.kpi, tables, p_open, segment)
        current = kpi_value(row.kpi, tables, period, segment)
        change = current - baseline if baseline == baseline and current == current else float("nan")
        test = _survey_test(row.kpi, tables, segment, p_open, period) if (row.kpi in ("nps", "satisfaction_mean") or str(row.kpi).startswith("dim:")) else None
        p_value = test.p_value if test is not None else float("nan")
        overdue = row.status in OPEN_STATUSES and pd.notna(row.due) and row.due < period.end_exclusive
        due_passed = pd.notna(row.due) and row.due < period.end_exclusive
        if change != change:
            verdict = "no_data"
        else:
            good = direction * change > 0
            if test is not None and p_value == p_value:
                significant = p_value < alpha
                verdict = "effective" if good and significant else "ineffective" if (not good and significant) or (due_passed and not good) else "not_yet"
            else:
                planned = (row.target - baseline) if pd.notna(row.target) else float("nan")
                enough = planned == planned and planned != 0 and change / planned >= 0.5
                verdict = "effective" if good and enough else "ineffective" if due_passed and not good else "not_yet"
        rows.append({"action_id": row.action_id, "problem": row.problem, "segment": row.segment if pd.notna(row.segment) else "company",
                     "kpi": row.kpi, "period_opened": opened, "baseline": baseline, "current": current, "change": change,
                     "target": row.target, "p_value": p_value, "test": test.test if test is not None else None,
                     "status": row.status, "overdue": bool(overdue), "verdict": verdict})
    return pd.DataFrame(rows, columns=["action_id", "problem", "segment", "kpi", "period_opened", "baseline", "current", "change", "target",
                                       "p_value", "test", "status", "overdue", "verdict"])


# ---------------------------------------------------------------- goals

def goal_attainment(goals_list, tables: Tables, period: Period) -> pd.DataFrame:
    """Each goal's target against the actual to date.

    - deadline not started yet: status ``not_started`` (the latest value is shown);
    - deadline in progress: amounts are projected at the run-rate of last
      year's seasonality (year-to-date ÷ last year's same span × last year's
      full period); rates use the latest quarter; ``on_track`` when the
      projection meets the target (lower is better for churn, complaints and
      late responses);
    - deadline passed: ``achieved`` or ``missed`` on the final value;
    - ``no_baseline`` when the target cannot be set because the data does not
      cover the baseline period in full (a growth target on a year the data
      starts inside of). Projections use last year's seasonality only when
      the data covers last year's period, else the run-rate.
    """
    rows = []
    last_q = period.quarters()[-1]
    for g in goals_list:
        try:
            d = Period.parse(g.deadline, period.start_month)
        except ValueError:
            continue
        if g.metric not in METRICS:
            continue
        sub = tables.scoped(g.scope) if all(c in tables.sales for c in g.scope) else None
        if sub is None:
            continue
        lower = g.metric in LOWER_IS_BETTER
        latest = last_q if d.is_quarter else Period(last_complete_year(period), None, period.start_month)
        base_p = d.year_ago() if (g.target.growth is not None and d.year_ago() <= latest) else latest
        # a baseline period the data starts inside of would understate it (as in goals.check_goals)
        baseline = metric_value(g.metric, sub, base_p) if tables.covers(base_p) else float("nan")
        target = _target_value(g, baseline)
        if period.end < d.start:
            status, actual, projection = "not_started", float("nan"), float("nan")
        elif period.end >= d.end:
            actual = metric_value(g.metric, sub, d)
            projection = actual
            status = "achieved" if (actual <= target if lower else actual >= target) else "missed"
        else:
            to_date = [q for q in d.quarters() if q <= last_q]
            if g.metric in FLOW_METRICS and g.metric != "aov":
                actual = sum(metric_value(g.metric, sub, q) for q in to_date)
                seasonal = tables.covers(d.year_ago())  # last year's seasonality only from a year the data covers
                last_year_part = sum(metric_value(g.metric, sub, q.year_ago()) for q in to_date) if seasonal else 0.0
                last_year_full = metric_value(g.metric, sub, d.year_ago()) if seasonal else float("nan")
                projection = actual * last_year_full / last_year_part if last_year_part > 0 else actual * len(d.quarters()) / len(to_date)
            else:
                actual = metric_value(g.metric, sub, last_q)
                projection = actual
            status = "on_track" if (projection <= target if lower else projection >= target) else "off_track"
        if target != target and status != "not_started":
            status = "no_baseline"
        rows.append({"goal_id": g.id, "metric": g.metric, "scope": segment_of(g.scope), "deadline": g.deadline, "baseline": baseline,
                     "target": target, "actual": actual, "projection": projection, "status": status,
                     "on_track": {"on_track": True, "achieved": True, "off_track": False, "missed": False}.get(status)})
    return pd.DataFrame(rows, columns=["goal_id", "metric", "scope", "deadline", "baseline", "target", "actual", "projection", "status", "on_track"])
