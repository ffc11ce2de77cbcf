"""The typed model of ``workspace.yaml``.

Every section is optional except ``company``; unknown keys, wrong types and
missing required keys are errors that name the key path
(``goals.2.target.growth``). Load with :func:`load_config`.

The package follows the file's sections: :mod:`~salesnb.config.company` (``company``, ``calendar``,
``tables``, ``source``), :mod:`~salesnb.config.goals` (step 1: goals, benchmarks, bottlenecks, planning),
:mod:`~salesnb.config.plan` (step 2: breakdown, tiers, budget, action plan), :mod:`~salesnb.config.survey`
(survey, text), :mod:`~salesnb.config.diagnosis` (steps 3 and 4: diagnosis, measures, improve),
:mod:`~salesnb.config.checks` (input checks), :mod:`~salesnb.config.labels` (value labels) and
:mod:`~salesnb.config.workspace` (:class:`WorkspaceConfig`, :func:`load_config`, the YAML reader).

Examples
--------
>>> cfg = WorkspaceConfig.model_validate({"company": {"name": "Demo", "currency": "CNY"}})
>>> cfg.retention.window_months
12
"""
from __future__ import annotations

from .company import SourceSettings, TableSource
from .goals import Goal, Theme
from .labels import Labels, ValueLabels, value_label, value_labels
from .survey import Dimension
from .workspace import CONFIG_FILE, WorkspaceConfig, load_config

# every section's model, importable from salesnb.config as before it became a package
from .base import require_unique  # noqa: F401
from .checks import Checks, ExtremeAmounts, ManyValues, ScaleDeclaration, UnknownCustomers  # noqa: F401
from .company import Calendar, Company  # noqa: F401
from .diagnosis import (PROBLEM_TYPES, DiagnosisSettings, FishboneCategory, FishboneKey, ImproveSettings,  # noqa: F401
                        MeasureEntry, ProblemType)
from .goals import Benchmark, Benchmarks, Bottlenecks, GoalTarget, Planning, Retention, Thresholds  # noqa: F401
from .plan import (Breakdown, BreakdownOverride, BreakdownTotal, Budget, BudgetCategory, BudgetLimit,  # noqa: F401
                   CustomerSplitSettings, GrowthCheckSettings, PhasingSettings, PlanAction, TierRisk, TierRule, Tiers)
from .survey import ItemWording, QuestionnaireSettings, Survey, SurveyDesign, TextAnalysis, TextTheme  # noqa: F401
from .workspace import MAX_YAML_BYTES, MAX_YAML_VALUES, read_yaml  # noqa: F401

__all__ = [
    "WorkspaceConfig",
    "Labels",
    "ValueLabels",
    "value_label",
    "value_labels",
    "load_config",
    "TableSource",
    "SourceSettings",
    "Dimension",
    "Goal",
    "Theme",
    "CONFIG_FILE",
]
