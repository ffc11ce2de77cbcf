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
from typing import Sequence

import pandas as pd

from . import artifacts, metrics
from .breakdown import PlanError
from .config import value_labels
from .errors import DataError
from .i18n import check_lang, t, use_value_labels
from .improve.kpi_values import parse_segment
from .io import Workspace, load_workspace
from .memory import release_unused_memory, use_jemalloc_pool
from .periods import Period
from .prepare import Prepared, load_workspace_cached

__all__ = ["StepContext", "open_step", "show_input_errors_first", "step_sales_columns", "UNREAD_SALES_COLUMNS", "CODED_SALES_COLUMNS", "release_after_each_cell"]


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
        (:func:`step_sales_columns`), with their id codes, regions and product lines as categories
        (:func:`salesnb.metrics.with_categories`). From the prepare cache only these columns are
        read; ``ctx.ws.table("sales")`` is the whole table (a drill-down)."""
        return _step_lines(self.ws, step_sales_columns(self.ws))

    @property
    def has_delivery(self) -> bool:
        """Whether the order lines carry delivery against the promise (:func:`salesnb.metrics.has_delivery`);
        without the two columns the lines are not read to say so."""
        return metrics.DELIVERY_COLUMNS <= set(self.ws.column_names("sales")) and metrics.has_delivery(self.sales)

    def recent_sales(self, months: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The lines of :attr:`sales` dated in the ``months`` months up to the period's end, and each customer's
        purchase lines on its last purchase day before them (:func:`salesnb.metrics.recent_lines`): every
        figure measured over a window inside those months, and every customer's status at the period's end,
        come out as from :attr:`sales`, from a fraction of the lines. Only those of ``columns`` that
        :attr:`sales` holds (default: all of them) and the id codes; from the prepare cache only these rows and
        columns are read (step 3 reads nothing else of the order lines).

        Examples
        --------
        >>> ctx.recent_sales(24, ["order_date", "amount"]).columns.tolist()  # doctest: +SKIP
        ['order_date', 'amount', '_customer_code', '_order_code']
        """
        end = self.period.end_exclusive
        start = end - pd.DateOffset(months=months)
        codes = set(metrics.ID_CODE_COLUMNS.values())

        def chosen(names) -> list[str]:
            return [c for c in names if columns is None or c in columns or c in codes]

        if "sales" in self.__dict__ or not self.ws.stored("sales"):  # in memory already: a selection of it
            lines = self.sales
            return metrics.select_rows(lines, metrics.recent_lines(lines, start, end))[chosen(lines.columns)]
        keys = ["order_date", "amount", metrics.ID_CODE_COLUMNS["customer_id"]]
        return self.ws.table_rows("sales", chosen(step_sales_columns(self.ws)), keys, lambda k: metrics.recent_lines(k, start, end),
                                  metrics.CATEGORY_COLUMNS)

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
        alone in JupyterLab they find whatever the last run into ``output_dir`` left. In a run, an artifact a
        step running alongside is still to write (step 1's ``bottlenecks.csv`` for step 3) is waited for
        (:func:`salesnb.artifacts.wait_for_artifact`).
        """
        import json

        artifacts.wait_for_artifact(self.output_dir, name)
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


CODED_SALES_COLUMNS = ("order_id",)
"""Ids the steps count but never show: a notebook's order lines carry only their integer code
(``_order_code``, :func:`salesnb.metrics.with_id_codes`), not the text, unless the lines have delivery days
(step 3 shows the order an answer is linked to) or a scope names the column."""


def _step_lines(ws: Workspace, columns: list[str]) -> pd.DataFrame:
    """``ws``'s order lines with ``columns`` and their id codes. An id left out of ``columns`` (the order id:
    :func:`step_sales_columns`) is coded first when the table has no stored codes (read without the cache)."""
    stored = set(ws.column_names("sales"))
    ids = [c for c, code in metrics.ID_CODE_COLUMNS.items() if c in stored and code not in stored and c not in columns]
    lines = metrics.with_id_codes(ws.table_columns("sales", [*columns, *ids], metrics.CATEGORY_COLUMNS))
    return lines.drop(columns=ids) if ids else lines


def step_sales_columns(ws: Workspace) -> list[str]:
    """The columns of ``ws``'s order lines a step notebook loads: all but :data:`UNREAD_SALES_COLUMNS` that
    neither ``workspace.yaml`` (:meth:`~salesnb.config.WorkspaceConfig.named_columns`) nor a segment of the
    action register names.

    Examples
    --------
    >>> step_sales_columns(load_workspace("data/sample"))  # doctest: +SKIP
    ['order_date', 'customer_id', 'region', 'product_line', 'amount']
    """
    named = ws.config.named_columns()
    if ws.has("actions") and "segment" in ws.tables["actions"]:
        for text in ws.tables["actions"]["segment"].dropna().unique():
            named.update(parse_segment(text))
    have = ws.column_names("sales")
    if metrics.DELIVERY_COLUMNS <= set(have):
        named.add("order_id")  # step 3 links an answer to its order and shows the order id
    return [c for c in have if (c not in UNREAD_SALES_COLUMNS and c not in CODED_SALES_COLUMNS) or c in named]


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


def _kernel_shell():
    """The IPython shell this code runs in, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the notebook stack
        return None
    return get_ipython()


def show_input_errors_first() -> bool:
    """In a notebook, show salesnb's input and plan errors (DataError, ConfigError, PlanError) as their problem
    table and one line, instead of a library traceback; any other exception keeps its full traceback.
    The cell still fails (papermill and ``salesnb run`` see the error). Returns False outside IPython."""
    shell = _kernel_shell()
    if shell is None:
        return False
    shell.set_custom_exc((DataError, PlanError), _input_error_cell)
    return True


def release_after_each_cell() -> bool:
    """In a notebook kernel, give freed memory back after every cell (:func:`salesnb.memory.release_unused_memory`
    as an IPython ``post_run_cell`` callback, registered once). Returns False outside IPython."""
    shell = _kernel_shell()
    if shell is None:
        return False
    shell.events.register("post_run_cell", release_unused_memory)
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
    release_after_each_cell()  # a kernel beside another holds what its frames need, not what its cells freed
    use_jemalloc_pool()  # as in a run's kernels (inherited there): freed memory goes back within a second
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
