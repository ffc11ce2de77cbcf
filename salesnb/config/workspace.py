"""The whole of ``workspace.yaml``: :class:`WorkspaceConfig`, :func:`load_config` and the safe YAML reader.

Here: the top-level model that gathers every section, :func:`read_yaml` (size and alias-expansion limits) and
:func:`load_config` (one problem per broken key). Not here: the sections themselves (the other modules of
:mod:`salesnb.config`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from ..errors import ConfigError, Problem
from .base import _Model, require_unique
from .checks import Checks
from .company import Calendar, Company, SourceSettings, TableSource
from .diagnosis import DiagnosisSettings, ImproveSettings, MeasureEntry
from .goals import Benchmarks, Bottlenecks, Goal, Planning, Retention, Theme, Thresholds
from .labels import Labels
from .plan import Breakdown, Budget, PlanAction, Tiers
from .survey import Survey, TextAnalysis

CONFIG_FILE = "workspace.yaml"


class WorkspaceConfig(_Model):
    """Everything ``workspace.yaml`` may say."""

    company: Company
    calendar: Calendar = Field(default_factory=Calendar)
    tables: dict[Literal["sales", "customers", "surveys", "complaints", "interviews", "actions"], TableSource] = Field(default_factory=dict)
    survey: Survey = Field(default_factory=Survey)
    text: TextAnalysis = Field(default_factory=TextAnalysis)
    diagnosis: DiagnosisSettings = Field(default_factory=DiagnosisSettings)
    retention: Retention = Field(default_factory=Retention)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    themes: list[Theme] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    benchmarks: Benchmarks = Field(default_factory=Benchmarks)
    bottlenecks: Bottlenecks = Field(default_factory=Bottlenecks)
    planning: Planning = Field(default_factory=Planning)
    checks: Checks = Field(default_factory=Checks)
    breakdown: Breakdown = Field(default_factory=Breakdown)
    tiers: Tiers = Field(default_factory=Tiers)
    budget: Budget = Field(default_factory=Budget)
    action_plan: list[PlanAction] = Field(default_factory=list)
    measures: list[MeasureEntry] = Field(default_factory=list)
    improve: ImproveSettings = Field(default_factory=ImproveSettings)
    source: SourceSettings = Field(default_factory=SourceSettings)
    labels: Labels = Field(default_factory=Labels)
    """Optional names of data values per report language (:func:`value_label`)."""

    @model_validator(mode="after")
    def _goal_ids_unique(self) -> "WorkspaceConfig":
        require_unique([g.id for g in self.goals], "goal ids")
        return self

    def named_columns(self) -> set[str]:
        """The table columns this file names: goal, override, budget-limit and action scopes, the breakdown's
        dimensions, potential drivers and phasing, the budget's ``allocate_by`` and strategic weights.

        Examples
        --------
        >>> WorkspaceConfig.model_validate({"company": {"name": "D"}, "goals": [{"id": "g", "metric": "revenue",
        ...     "target": {"growth": 0.1}, "deadline": "2026", "scope": {"channel": "online"}}]}).named_columns() >= {"channel"}
        True
        """
        b, budget = self.breakdown, self.budget
        named = {*b.dimensions, *b.potential, *b.phasing.by, *budget.allocate_by, *budget.strategic_weights}
        for scope in [g.scope for g in self.goals] + [o.scope for o in b.overrides] + [x.scope for x in budget.limits]:
            named.update(scope)
        for action in self.action_plan:
            named.update(action.serves)
        return named

    def dimension_aliases(self) -> dict[str, tuple[str, ...]]:
        """Dimension key → header aliases (its labels and listed aliases)."""
        return {d.key: (d.en, d.zh, *d.aliases) for d in self.survey.dimensions}


def _key_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


MAX_YAML_BYTES = 2_000_000
"""Largest ``workspace.yaml`` read (a real one is a few to a hundred KB)."""

MAX_YAML_VALUES = 200_000
"""Most values a YAML file may expand to once its aliases (``*name``) are repeated (a billion-laughs guard)."""


def _expanded_values(node, memo: dict) -> int:
    """How many scalar, list and mapping values ``node`` stands for once every alias is expanded."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a recursive alias counts once instead of looping
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_values(c, memo) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_values(k, memo) + _expanded_values(v, memo) for k, v in node.value)
    else:
        n = 1
    memo[key] = n
    return n


def read_yaml(path: Path, loader=None, max_bytes: int = MAX_YAML_BYTES, max_values: int = MAX_YAML_VALUES):
    r"""Parse a small YAML file safely: size-capped, alias expansion counted before anything is built.

    Parameters
    ----------
    path : Path
    loader : yaml loader class, default ``yaml.SafeLoader`` (no ``!!python/…`` tags)
    max_bytes, max_values : int
        Limits; beyond either a :class:`ConfigError` says which and by how much.

    Raises
    ------
    ConfigError
        Too large, not UTF-8, not YAML, or expanding past ``max_values``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "w.yaml"
    >>> _ = f.write_text("a: &x [1, 2]\nb: *x\n")
    >>> read_yaml(f)
    {'a': [1, 2], 'b': [1, 2]}
    """
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise ConfigError([Problem(name, None, None, f"{size:,} bytes",
                                   f"is too large to be a settings file (limit {max_bytes:,} bytes); keep data in the tables, not in {name}")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(name, None, None, None, f"must be UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    if loader is None and _FAST_LOADER is not None:
        # libyaml first (about 10× quicker: every notebook reads workspace.yaml); any file it does not take is
        # read again by the pure-Python loader, so an error reads as it always has
        try:
            return _parse_yaml(text, name, _FAST_LOADER, max_values)
        except yaml.YAMLError:
            pass
    try:
        return _parse_yaml(text, name, loader or yaml.SafeLoader, max_values)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([Problem(name, line, None, None, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _parse_yaml(text: str, name: str, loader, max_values: int):
    parser = loader(text)
    try:
        node = parser.get_single_node()
        if node is None:
            return None
        values = _expanded_values(node, {})
        if values > max_values:
            raise ConfigError([Problem(name, node.start_mark.line + 1, None, f"{values:,} values",
                                       f"expands to more than {max_values:,} values through its aliases (&name / *name); "
                                       "write the repeated settings out instead")])
        return parser.construct_document(node)
    finally:
        parser.dispose()


def _short(value) -> str:
    """At most 60 characters of a value for a message, without rendering a huge value first."""
    if isinstance(value, (dict, list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    return str(value)[:60]


def load_config(path: str | Path) -> WorkspaceConfig:
    """Read and validate ``workspace.yaml``.

    Raises
    ------
    ConfigError
        With one problem per broken key; ``column`` holds the key path.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ConfigError([Problem(name, None, None, str(path), f"{CONFIG_FILE} is missing from the workspace folder")])
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([Problem(name, None, None, repr(data)[:60], "must be a mapping of sections (company, tables, goals …)")])
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            rule = {"extra_forbidden": "unknown key", "missing": "required key is missing"}.get(err["type"], err["msg"])
            value = None if err["type"] == "missing" else _short(err.get("input"))
            problems.append(Problem(name, None, _key_path(err["loc"]), value, rule))
        raise ConfigError(problems, f"{len(problems)} problem(s) in {name}") from None
