"""What every step notebook opens with: the workspace, the period and helpers.

:func:`open_step` loads and validates the workspace once per notebook and
returns a :class:`StepContext`; notebooks read tables, labels and thresholds
from it and write artifacts through it, so the four notebooks share one
opening instead of four copies.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import artifacts, metrics
from .breakdown import PlanError
from .config import value_labels
from .errors import DataError
from .i18n import check_lang, t, use_value_labels
from .improve.kpi_values import parse_segment
from .io import Workspace, load_workspace
from .periods import Period
from .prepare import Prepared, load_workspace_cached

__all__ = ["StepContext", "open_step", "show_input_errors_first", "step_sales_columns", "UNREAD_SALES_COLUMNS"]


@dataclass(frozen=True)
class StepContext:
    """The workspace and parameters of one notebook run.

    Examples
    --------
    >>> ctx = open_step("data/sample", "2025Q4", "en", "/tmp/salesnb-doc")  # doctest: +SKIP
    >>> ctx.period.end.date()  # doctest: +SKIP
    datetime.date(2025, 12, 31)
    """

    ws: Workspace
    period: Period
    lang: str
    output_dir: Path
    prepared: "Prepared | None" = None
    """The prepare step's cache entry (aggregates), when the cache could be used."""

    # -- configuration ---------------------------------------------------
    @property
    def config(self):
        return self.ws.config

    @property
    def unit(self) -> str:
        """Display unit of amounts (e.g. 万元)."""
        return self.config.company.display_unit

    @property
    def promise_hours(self) -> float:
        return self.config.thresholds.response_promise_hours

    @property
    def min_n(self) -> int:
        return self.config.thresholds.min_group_n

    @property
    def dimension_keys(self) -> list[str]:
        return [d.key for d in self.config.survey.dimensions]

    @property
    def dimension_labels(self) -> dict[str, str]:
        return {d.key: (d.zh if self.lang == "zh" else d.en) for d in self.config.survey.dimensions}

    # -- tables ------------------------------------------------------------
    # Each table is taken once per notebook and the same frame is handed out on every access. The order lines
    # carry the integer codes of their customer and order ids (metrics.with_id_codes), so every cut of them
    # counts customers and orders on numbers instead of hashing the ids again.
    def _optional(self, name: str) -> pd.DataFrame | None:
        return self.ws.table(name) if self.ws.has(name) else None

    @cached_property
    def sales(self) -> pd.DataFrame:
        """The order lines the steps compute with: every column but those no step reads
        (:func:`step_sales_columns`), with their id codes. From the prepare cache only these columns are
        read; ``ctx.ws.table("sales")`` is the whole table (a drill-down)."""
        return metrics.with_id_codes(self.ws.table_columns("sales", step_sales_columns(self.ws)))

    @cached_property
    def customers(self) -> pd.DataFrame:
        return self.ws.table("customers")

    @cached_property
    def surveys(self) -> pd.DataFrame | None:
        return self._optional("surveys")

    @cached_property
    def complaints(self) -> pd.DataFrame | None:
        return self._optional("complaints")

    @cached_property
    def interviews(self) -> pd.DataFrame | None:
        return self._optional("interviews")

    @cached_property
    def actions(self) -> pd.DataFrame | None:
        return self._optional("actions")

    def surveys_in_period(self) -> pd.DataFrame | None:
        """Survey answers dated inside the period (None without a surveys table)."""
        s = self.surveys
        return None if s is None else s.loc[self.period.contains(s["survey_date"])]

    # -- text and output ---------------------------------------------------
    def t(self, key: str, **fields) -> str:
        """Label ``key`` in the report language."""
        return t(key, self.lang, **fields)

    def banner(self, step: str):
        """The notebook's title block."""
        from .present import period_banner

        return period_banner(self.config.company.name, f"step_{step}", self.period, self.lang)

    def record(self, step: str, metrics: dict) -> dict:
        """Merge ``metrics`` into ``artifacts/summary.json``."""
        return artifacts.record_metrics(self.output_dir, step, metrics, period=str(self.period), workspace=self.ws.name, lang=self.lang)

    def record_facts(self, step: str, facts: dict) -> None:
        """Merge ``facts`` (:mod:`salesnb.facts` records) into ``artifacts/summary.json``'s ``facts`` block
        (returns nothing, so that a cell ending with it shows nothing)."""
        artifacts.record_facts(self.output_dir, step, facts)

    def write_csv(self, df: pd.DataFrame, name: str) -> Path:
        """Write ``artifacts/<name>``."""
        return artifacts.write_csv(df, self.output_dir, name)

    def earlier_artifact(self, name: str):
        """An artifact an earlier step of this run wrote (``.json`` → dict, ``.csv`` → DataFrame), or None.

        Steps 2 and 4 run after 1 and 3 and read their results this way; run
        alone in JupyterLab they find whatever the last run into ``output_dir`` left.
        """
        import json

        path = self.output_dir / "artifacts" / name
        if not path.is_file():
            return None
        if path.suffix == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


UNREAD_SALES_COLUMNS = ("product", "quantity", "channel", "sales_rep")
"""Optional columns of the order lines that no step computes with: checked when read, kept in the workspace
(``ws.table("sales")``), left out of a notebook's order lines (:attr:`StepContext.sales`) unless a scope
in ``workspace.yaml`` or the action register names one (a goal on ``channel: online``)."""


def step_sales_columns(ws: Workspace) -> list[str]:
    """The columns of ``ws``'s order lines a step notebook loads: all but :data:`UNREAD_SALES_COLUMNS` that
    neither ``workspace.yaml`` (:meth:`~salesnb.config.WorkspaceConfig.named_columns`) nor a segment of the
    action register names.

    Examples
    --------
    >>> step_sales_columns(load_workspace("data/sample"))  # doctest: +SKIP
    ['order_id', 'order_date', 'customer_id', 'region', 'product_line', 'amount']
    """
    named = ws.config.named_columns()
    if ws.has("actions") and "segment" in ws.tables["actions"]:
        for text in ws.tables["actions"]["segment"].dropna().unique():
            named.update(parse_segment(text))
    return [c for c in ws.column_names("sales") if c not in UNREAD_SALES_COLUMNS or c in named]


def _input_error_cell(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython's handler for input errors: the problem table (escaped), then a one-line traceback."""
    from IPython.display import HTML, display

    from .present import esc

    frame = value.to_frame() if hasattr(value, "to_frame") else None
    if frame is not None and len(frame):
        rows = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in frame.head(50).itertuples(index=False))
        head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
        display(HTML(f"<p><b>{esc(getattr(value, 'summary', str(value)))}</b></p><table><tr>{head}</tr>{rows}</table>"))
    else:
        display(HTML(f"<p><b>{esc(str(value))}</b></p>"))
    stb = [f"{etype.__name__}: {getattr(value, 'summary', value)}"]
    shell._showtraceback(etype, value, stb)  # IPython leaves the showing to the handler: one error output, one line
    return stb


def show_input_errors_first() -> bool:
    """In a notebook, show salesnb's input and plan errors (DataError, ConfigError, PlanError) as their problem
    table and one line, instead of a library traceback; any other exception keeps its full traceback.
    The cell still fails (papermill and ``salesnb run`` see the error). Returns False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the notebook stack
        return False
    shell = get_ipython()
    if shell is None:
        return False

    shell.set_custom_exc((DataError, PlanError), _input_error_cell)
    return True


def open_step(workspace: str | Path, period: str, lang: str, output_dir: str | Path) -> StepContext:
    """Load and validate ``workspace`` and parse ``period`` under its fiscal calendar.

    The workspace comes from the prepare cache (:mod:`salesnb.prepare`: read and
    validated once per set of inputs, shared by the four notebooks); with
    ``SALESNB_NO_CACHE=1``, or when the cache folder cannot be written, it is
    read directly with :func:`salesnb.io.load_workspace`.
    """
    import os

    show_input_errors_first()  # before the workspace is read: its DataError is the likeliest one
    check_lang(lang)
    from .present import show_charts_with_alt_text

    show_charts_with_alt_text(lang)  # every chart's title becomes its alt text in the leadership HTML
    prepared = None
    if os.environ.get("SALESNB_NO_CACHE") == "1":
        ws = load_workspace(workspace)
    else:
        try:
            ws, prepared = load_workspace_cached(workspace)
        except OSError:  # no writable cache: read the files directly
            ws = load_workspace(workspace)
    p = Period.parse(period, ws.config.calendar.fiscal_year_start_month)

    use_value_labels(value_labels(ws.config, lang))  # regions, product lines, categories named in the report's language
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    return StepContext(ws, p, lang, out, prepared)
