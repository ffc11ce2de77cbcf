"""Step 2: break the plan down and allocate resources (销售计划拆解与资源配置).

A run for period P plans the **next** period: by default, a report period that
closes its fiscal year (``2025`` or ``2025Q4``) plans the next fiscal year
(``2026``, phased by month); any other quarter plans the next quarter
(``2025Q3`` → ``2025Q4``). ``breakdown.horizon`` in ``workspace.yaml`` forces
``year`` or ``quarter``. Only data up to the end of P is used. A quarterly
plan is compared with the same quarter in earlier years; when the data starts
less than a year before the plan it falls back to the latest whole quarters
and says so (:class:`PlanPeriods` ``basis``); a yearly plan needs a whole year.

The pieces, bottom up:

- :func:`largest_remainder` and :func:`round_table` — integers that add up
  exactly, on every margin of a table;
- :func:`rake` — iterative proportional fitting of a table to fixed margins;
- :func:`allocate` — a total over a grouped hierarchy of dimensions (region ×
  product line × customer type …) from non-negative weights, with overrides
  honoured exactly and the remainder re-spread;
- :func:`method_weights` — the weights of the methods ``even``, ``history``,
  ``momentum``, ``potential`` and their ``blend``;
- :func:`plan_periods`, :func:`plan_history`, :func:`plan_total`,
  :func:`customer_split`, :func:`seasonality`, :func:`phase`,
  :func:`growth_checks` — the plan itself, assembled by :func:`build_plan`;
- :func:`customer_tiers`, :func:`tier_summary` — 客户分层 by value and loyalty;
- :func:`action_plan`, :func:`priority_scores`, :func:`allocate_budget`,
  :func:`budget_efficiency` — the actions and the budget;
- :func:`workbook_sheets`, :func:`targets_workbook` — the 销售目标分解表 for
  sales managers (``targets.xlsx``);
- ``*_view`` and ``narrative_*`` — the notebook's tables and sentences in the
  report language; :func:`plan_panel` — the ipywidgets panel for analysts.

Amounts are in the workspace currency (元) throughout; targets are whole
multiples of ``breakdown.rounding_unit``.

The package, one module per part (each says what lives there):

- :mod:`.common` — :class:`PlanError`, ``CUSTOMER_TYPES``;
- :mod:`.allocation` — rounding, raking and allocation;
- :mod:`.methods` — the allocation methods' weights;
- :mod:`.windows` — the plan period, its history windows and the history per cell;
- :mod:`.total` — goals, the plan's total and the new/existing split;
- :mod:`.phasing` — seasonality and the monthly phasing;
- :mod:`.checks` — growth and margin checks;
- :mod:`.plan` — :class:`PlanInputs`, :class:`Plan`, :func:`build_plan` and the no-plan path;
- :mod:`.tiers`, :mod:`.actions`, :mod:`.budget` — customer tiers, the action plan, the budget;
- :mod:`.labels`, :mod:`.views`, :mod:`.narrative` — words, tables and sentences in the report language;
- :mod:`.workbook` — ``targets.xlsx``; :mod:`.panel` — the ipywidgets panel.

Everything is imported from here: ``from salesnb import breakdown as bd; bd.build_plan(...)``.
"""
from __future__ import annotations

from .actions import action_plan, plan_nodes
from .allocation import allocate, largest_remainder, margins, rake, round_table
from .budget import _bounded_shares as _bounded_shares  # the water-filling, tested on its own
from .budget import (CENTRAL, MIN_SHARE_FLOORS, BudgetFloorWarning, allocate_budget, budget_efficiency,
                     budget_floor_note, budget_lines, budget_table, effective_min_share, priority_scores, summary_metrics)
from .checks import CHECK_COLUMNS, growth_checks, margin_checks
from .common import CUSTOMER_TYPES, PlanError
from .labels import budget_item_label, channel_label, dim_label, flag_text, method_text, node_label, serves_label, words
from .methods import METHODS, method_weights
from .narrative import (definitions, narrative_actions, narrative_basis, narrative_budget, narrative_care_budget, narrative_checks,
                        narrative_matrix, narrative_method, narrative_no_plan, narrative_phasing, narrative_plan, narrative_split,
                        narrative_tiers, narrative_total)
from .panel import overrides_text, parse_overrides, plan_panel
from .phasing import phase, seasonality
from .plan import (TARGET_COLUMNS, NoPlan, Plan, PlanInputs, build_plan, empty_actions, empty_budget, empty_checks, empty_targets,
                   no_plan_metrics, no_plan_reason, plan_inputs, plan_or_reason, resolve_overrides, retention_months)
from .tiers import CareBudgetCheck, care_budget_check, customer_tiers, tier_summary
from .total import (CustomerSplit, PlanTotal, RetentionFacts, customer_split, goal_targets, plan_total, retention_facts,
                    split_options)
from .views import (View, actions_view, actuals_view, budget_lines_view, budget_matrix_view, budget_view, checks_view,
                    goals_view, margin_checks_view, margin_view, matrix_view, method_view, overrides_view, phasing_view,
                    problems_view, split_view, tiers_view, total_view)
from .windows import BLANK, PlanPeriods, Window, plan_history, plan_horizon, plan_periods
from .workbook import Sheet, safe_frame, safe_text, targets_workbook, workbook_sheets

__all__ = [
    # allocation and rounding
    "PlanError", "largest_remainder", "round_table", "rake", "allocate", "margins", "METHODS", "method_weights",
    # the plan
    "Window", "PlanPeriods", "plan_periods", "plan_horizon", "plan_history", "goal_targets", "PlanTotal", "plan_total",
    "RetentionFacts", "retention_facts", "CustomerSplit", "customer_split", "split_options", "resolve_overrides",
    "seasonality", "phase", "growth_checks", "margin_checks", "PlanInputs", "retention_months", "plan_inputs", "Plan", "build_plan",
    "CUSTOMER_TYPES",
    # tiers, actions, budget
    "customer_tiers", "tier_summary", "action_plan", "plan_nodes", "CENTRAL", "priority_scores", "allocate_budget",
    "BudgetFloorWarning", "effective_min_share", "budget_floor_note",
    "budget_efficiency", "budget_lines", "budget_table", "summary_metrics",
    # the Excel template
    "safe_text", "safe_frame", "Sheet", "targets_workbook", "workbook_sheets",
    # views and narrative for the notebook (report language)
    "View", "node_label", "dim_label", "method_text", "flag_text", "actuals_view", "total_view", "goals_view", "method_view",
    "overrides_view", "split_view", "matrix_view", "margin_view", "phasing_view", "checks_view", "margin_checks_view",
    "tiers_view", "actions_view", "problems_view", "budget_lines_view", "budget_view", "budget_matrix_view",
    "narrative_plan", "narrative_basis", "narrative_total", "narrative_method", "narrative_split", "narrative_matrix", "narrative_phasing",
    "narrative_checks", "narrative_tiers", "narrative_actions", "narrative_budget", "definitions",
    # the analysts' panel
    "parse_overrides", "overrides_text", "plan_panel",
    # the run without a plan (history too short), care budgets and labels (used by the notebook)
    "NoPlan", "no_plan_reason", "plan_or_reason", "empty_targets", "empty_checks", "empty_budget", "empty_actions",
    "no_plan_metrics", "narrative_no_plan", "CareBudgetCheck", "care_budget_check", "narrative_care_budget",
    "channel_label", "budget_item_label", "serves_label", "words",
    # constants
    "TARGET_COLUMNS", "CHECK_COLUMNS", "BLANK", "MIN_SHARE_FLOORS",
]
