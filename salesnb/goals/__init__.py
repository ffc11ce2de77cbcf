"""Step 1: bottlenecks, a forecast baseline, SMART checks and satisfaction baselines.

Everything here works on the tidy tables of a workspace (``sales``,
``surveys``, ``complaints``) passed in a :class:`Tables` bundle, never on
paths. Comparisons that find bottlenecks use trailing twelve months (TTM)
against the twelve months before, so seasonality cancels out.

The package, by seam:

- :mod:`~salesnb.goals.kpi_list` — the metrics a goal may name and how each is judged;
- :mod:`~salesnb.goals.tables` — :class:`Tables`, its scoped cuts and time windows;
- :mod:`~salesnb.goals.values` — a metric's value over a period, the headline;
- :mod:`~salesnb.goals.forecast` — the revenue forecast baseline;
- :mod:`~salesnb.goals.bottlenecks` — the bottleneck scan;
- :mod:`~salesnb.goals.smart` — the SMART check of goals;
- :mod:`~salesnb.goals.baselines` — satisfaction against the benchmark, suggested goals;
- :mod:`~salesnb.goals.narrative` — labels and sentences;
- :mod:`~salesnb.goals.views` — display tables and ``goals.csv``.
"""
from __future__ import annotations

from .baselines import BASELINE_COLUMNS, BENCHMARK_GOAL_IDS, satisfaction_baselines
from .bottlenecks import MAX_EXCESS, bottlenecks, revenue_falls, scope_summary
from .forecast import forecast_all, forecast_for_goals, forecast_revenue
from .kpi_list import DELIVERY_METRICS, FLOW_METRICS, LOWER_IS_BETTER, METRICS
from .narrative import (
    definitions,
    describe_bottlenecks,
    format_change,
    goal_label,
    goal_reasons,
    metric_label,
    narrate_bottlenecks,
    narrate_cagr,
    narrate_concentration,
    narrate_contribution,
    narrate_customers,
    narrate_delivery,
    narrate_forecast,
    narrate_goals,
    narrate_revenue,
    narrate_satisfaction,
    scope_label,
)
from .smart import GOAL_CHECK_COLUMNS, check_goals
from .tables import CUT_LINES_KEPT, Tables, last_complete_year, until
from .values import metric_value, period_metrics, retention_at
from .views import (
    bottleneck_table,
    complaint_mix_table,
    contribution_table,
    delivery_region_table,
    forecast_table,
    goal_table,
    goals_artifact,
    headline_formats,
)

__all__ = [
    "Tables",
    "CUT_LINES_KEPT",
    "BENCHMARK_GOAL_IDS",
    "metric_label",
    "scope_label",
    "goal_label",
    "METRICS",
    "LOWER_IS_BETTER",
    "FLOW_METRICS",
    "metric_value",
    "bottlenecks",
    "forecast_revenue",
    "check_goals",
    "satisfaction_baselines",
    "describe_bottlenecks",
    "goal_reasons",
    "format_change",
    "MAX_EXCESS",
    "period_metrics",
    "bottleneck_table",
    "scope_summary",
    "goal_table",
    "goals_artifact",
    "forecast_all",
    "forecast_for_goals",
    "last_complete_year",
    "until",
    "narrate_cagr",
    "narrate_contribution",
    "contribution_table",
    "narrate_bottlenecks",
    "revenue_falls",
    "narrate_forecast",
    "forecast_table",
    "narrate_goals",
    "narrate_customers",
    "narrate_concentration",
    "DELIVERY_METRICS",
    "headline_formats",
    "narrate_satisfaction",
    "narrate_delivery",
    "delivery_region_table",
    "definitions",
    "retention_at",
    # public before the package too, but missing from the list
    "GOAL_CHECK_COLUMNS",
    "BASELINE_COLUMNS",
    "complaint_mix_table",
    "narrate_revenue",
]
