"""Step 4: measures for diagnosed problems, the action register and the PDCA loop.

- :func:`measure_library` — the built-in mapping from problem type to candidate
  measures (KPI, direction, owner role, duration, effort, expected effect),
  editable from ``workspace.yaml`` (``measures:``: add, replace by key, disable).
- :func:`propose` — for each ranked problem of ``diagnosis.json`` (and step 1's
  acquisition and churn bottlenecks), the fitting measures with impact, effort
  and an impact–effort class.
- :func:`update_register` — the register (改进措施跟踪表) with new proposals added
  as ``planned``, never duplicating an open action for the same problem and
  segment and never deleting a row; :func:`publish_register` writes it back
  where the user keeps it (same path, same format) after keeping the replaced
  version under ``actions.history/`` beside it.
- :func:`track` — every action opened in an earlier period judged on its KPI
  (baseline at opening against now, with step 3's tests for survey KPIs).
- :func:`goal_attainment` — each step-1 goal against the actual to date.

The register is the one file in a workspace that salesnb writes, and only at
the end of a successful ``salesnb run``; everything else is read-only.

The package, by seam:

- :mod:`~salesnb.improve.measures` — the measure library;
- :mod:`~salesnb.improve.kpi_values` — KPI values, availability and segments;
- :mod:`~salesnb.improve.proposals` — problems and the measures proposed for them;
- :mod:`~salesnb.improve.planning` — the plan and the register's new rows;
- :mod:`~salesnb.improve.register` — the register: columns, checks, keys, ``actions.xlsx``;
- :mod:`~salesnb.improve.publish` — the register written back where the user keeps it;
- :mod:`~salesnb.improve.tracking` — earlier actions and goals judged;
- :mod:`~salesnb.improve.decisions` — decision items and the summary counts;
- :mod:`~salesnb.improve.labels` — how KPIs, problems and segments read;
- :mod:`~salesnb.improve.narrative` — sentences;
- :mod:`~salesnb.improve.views` — display tables.
"""
from __future__ import annotations

from ..periods import Period as Period  # re-exported: callers write improve.Period
from .decisions import DECISION_KINDS, decision_items, opened_in, summary_metrics, write_decisions
from .kpi_values import _target as _target  # re-exported for tests/test_improve.py
from .kpi_values import kpi_available, kpi_value, parse_segment, segment_of
from .labels import format_kpi, kpi_label, problem_label, segment_label
from .measures import BUILTIN_MEASURES, Measure, measure_library
from .narrative import decisions, plan_notes, tracking_narrative
from .planning import PLAN_COLUMNS, QUADRANT_ORDER, plan_order, update_register
from .proposals import problems_from, propose
from .publish import REGISTER_HISTORY, StagedRegister, publish_register, register_path, stage_register
from .register import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    REGISTER_COLUMNS,
    owner_key,
    read_register,
    register_keys,
    register_labels,
    register_problems,
    register_status,
    register_text,
    validate_register,
    write_register,
)
from .tracking import VERDICTS, goal_attainment, track
from .views import attainment_table, proposal_table, register_table, tracking_table

__all__ = [
    "Measure", "BUILTIN_MEASURES", "measure_library", "kpi_value", "propose", "REGISTER_COLUMNS", "OPEN_STATUSES",
    "CLOSED_STATUSES", "register_status", "validate_register", "update_register", "write_register", "publish_register",
    "register_path", "stage_register", "StagedRegister", "REGISTER_HISTORY",
    "track", "goal_attainment", "segment_of", "parse_segment", "problems_from", "kpi_label", "format_kpi", "proposal_table",
    "register_table", "tracking_table", "tracking_narrative", "attainment_table", "decisions", "summary_metrics", "VERDICTS",
    "kpi_available", "plan_order", "PLAN_COLUMNS", "QUADRANT_ORDER", "plan_notes",
    "owner_key", "register_labels", "register_keys", "register_text", "read_register", "decision_items",
    "DECISION_KINDS", "opened_in", "write_decisions", "register_problems",
    # public before the package too, but missing from the list
    "problem_label", "segment_label",
]
