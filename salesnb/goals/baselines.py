"""Satisfaction baselines of step 1: NPS, satisfaction and repurchase against the industry benchmark, and the
goals suggested to close part of the gap (``baselines.csv``).

Not here: checking those goals (:func:`salesnb.goals.check_goals`) or the benchmark chart.
"""
from __future__ import annotations

import pandas as pd

from .. import metrics as m
from ..config import Goal, GoalTarget, WorkspaceConfig
from ..kpis import KPIS
from ..periods import Period
from .tables import Tables, _between, _ttm
from .values import retention_at


def satisfaction_baselines(tables: Tables, report: Period, config: WorkspaceConfig) -> tuple[pd.DataFrame, list[Goal]]:
    """Current NPS, satisfaction and repurchase rate against the industry benchmark.

    For each: the value of the latest year (TTM ending with ``report``), the
    year before, the benchmark (industry and leader from ``benchmarks``), the
    gap to the leader (or the industry when no leader is given) and a
    suggested target for the next year that closes ``planning.gap_close_share``
    of the gap (no higher than the leader). The suggestions come back as goals
    (theme: the first declared theme whose key mentions service/retention, else none),
    so they can be checked with :func:`check_goals`. Surveys without an ``nps``
    column give no NPS row (the question was not asked).
    """
    end = report.end_exclusive
    _, cur_lo, _ = _ttm(end)
    prev_lo = cur_lo - pd.DateOffset(months=12)
    rows, goals = [], []
    bench = config.benchmarks
    share = config.planning.gap_close_share
    next_year = Period(report.year + 1 if (not report.is_quarter or report.quarter == 4) else report.year, None, report.start_month)
    theme_of = {"nps": "service", "satisfaction_mean": "service", "repurchase_rate": "retention"}
    themes = {th.key for th in config.themes}
    for metric, b in (("nps", bench.nps), ("satisfaction_mean", bench.satisfaction), ("repurchase_rate", bench.repurchase_rate)):
        if metric == "nps" and tables.surveys is not None and not m.has_nps(tables.surveys):
            continue  # the recommend question is not asked: no NPS baseline (satisfaction stands in)
        scale = KPIS[metric].scale  # None for the repurchase rate
        if metric == "repurchase_rate":
            cur = retention_at(tables, end).repurchase_rate  # as the headline: n/a without a whole base window
            prev = retention_at(tables, cur_lo).repurchase_rate
        elif tables.surveys is None:
            cur = prev = float("nan")
        else:
            col = scale.key
            sv = tables.surveys
            now = _between(sv, "survey_date", cur_lo, end)[col] if col in sv else pd.Series(dtype=float)
            before = _between(sv, "survey_date", prev_lo, cur_lo)[col] if col in sv else pd.Series(dtype=float)
            cur, prev = m.score_value(now, scale), m.score_value(before, scale)
        ref = b.leader if b.leader is not None else b.industry
        gap = ref - cur if ref is not None and cur == cur else float("nan")
        suggested = min(cur + share * gap, ref) if gap == gap and gap > 0 else (cur if cur == cur else float("nan"))
        rows.append({"metric": metric, "current": cur, "previous": prev, "trend": cur - prev if cur == cur and prev == prev else float("nan"),
                     "industry": b.industry, "leader": b.leader, "gap": gap, "suggested_target": suggested, "deadline": str(next_year),
                     "source": b.source})
        if gap == gap and gap > 0:
            digits = scale.target_decimals if scale else 2  # NPS whole points; the 1–5 mean and the repurchase rate 2
            goals.append(Goal(id=BENCHMARK_GOAL_IDS.get(metric, f"B-{metric}"), metric=metric, target=GoalTarget(value=round(suggested, digits)), deadline=str(next_year),
                              theme=theme_of[metric] if theme_of[metric] in themes else None))
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS), goals


#: Ids of the goals suggested from a benchmark (readable in a report: no metric names with underscores).
BENCHMARK_GOAL_IDS = {"nps": "B-NPS", "satisfaction_mean": "B-CSAT"}


#: The columns of ``baselines.csv`` (:func:`satisfaction_baselines`).
BASELINE_COLUMNS = ["metric", "current", "previous", "trend", "industry", "leader", "gap", "suggested_target", "deadline", "source"]
