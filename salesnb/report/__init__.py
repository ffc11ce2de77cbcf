"""The quarterly run: validate, execute the four notebooks, publish the report.

:func:`run_period` is what ``salesnb run`` calls. It never overwrites an
earlier period's folder: everything is built in a hidden staging folder next
to the final one and moved into place with one ``os.replace`` at the end. A
failed run publishes nothing and keeps its executed notebooks under
``failed/`` for the analyst (the steps that do not need the failed one still
run). A run holds a lock on the workspace and on the period folder
(:mod:`salesnb.runlock`), checks every place it writes before the first
notebook (:func:`preflight`), and publishes the report and the action
register together: if the register cannot be replaced, the period folder is
moved back out.

Layout of a published period (``docs/outputs.md``)::

    <out>/<workspace>/<period>/
        01_goals.ipynb … 04_improvement.ipynb
        report/index.html, report/01_goals.html …
        artifacts/summary.json …
        run.json
"""
from __future__ import annotations

import errno
from typing import TYPE_CHECKING
import html
import json
import os
import platform
import re
import shutil
import stat
import sys
import tempfile
import time
import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Callable

from . import __version__
from .artifacts import record_facts, record_metrics, write_csv_file
from .facts import register_facts
from .webfont import embed_cjk_font
from .errors import RunRefused
from .i18n import check_lang, t
from .config import CONFIG_FILE
from .io import Workspace, sha256_file
from .periods import Period
from .prepare import prepare
from .runlock import LOCK_FILE, RunLock

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["strip_outputs", "NOTEBOOKS", "run_period", "RunResult", "NotebookFailed", "notebooks_dir", "export_html", "resolve_period", "check_folder_name", "check_parameters", "write_quarantine", "write_contacts", "CSP",
           "preflight", "check_register_location", "MIN_FREE_MB", "PAGE_CSS", "PAGES", "write_quality_page", "ANALYST_ONLY_TAG",
           "leadership_outputs"]

NOTEBOOKS = ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement")
NEEDS = {"01_goals": (), "03_diagnosis": (), "02_breakdown": ("01_goals",), "04_improvement": ("01_goals", "03_diagnosis")}
"""What each notebook reads from the others (step 1's goals.csv and bottlenecks.csv, step 3's diagnosis.json):
a notebook starts as soon as those have finished, two at a time."""
AFTER = {"03_diagnosis": ("01_goals",)}
"""Soft order: step 3 starts once step 1 has finished (it merges step 1's bottlenecks.csv into its problem
register), but still runs when step 1 failed (its register then holds step 3's problems only)."""
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "nbclient", "pandera", "pydantic", "openpyxl", "pyarrow", "ipykernel")
_STAGING = re.compile(r"^\.(?P<period>[0-9Q]+)\.running-(?P<pid>\d+)-")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""Content-Security-Policy of every report page: no script, no network, inline styles and embedded images only."""

# The nbconvert "lab" template without any script: no require.js, MathJax,
# Mermaid or widget loaders from CDNs, no application/javascript outputs, and
# every HTML or Markdown output passed through present.sanitize_html.
_REPORT_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.snb_csp }}">
{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style>{{ resources.snb_css }}</style>
{%- endblock html_head_css -%}
{%- block data_javascript scoped -%}{%- endblock data_javascript -%}
{%- block data_widget_view scoped -%}{%- endblock data_widget_view -%}
{% block data_html scoped -%}
<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output {{ extra_class }}" data-mime-type="text/html">
{{ output.data['text/html'] | snb_safe_html }}
</div>
{%- endblock data_html %}
{% block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img alt="{{ ((output | get_metadata('alt', 'image/png')) or resources.snb_chart_alt) | escape_html }}" src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}">
</div>
{%- endblock data_png %}
{% block data_markdown scoped -%}
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-OutputArea-output {{ extra_class }}" data-mime-type="text/markdown">
{{ output.data['text/markdown'] | markdown2html | snb_safe_html }}
</div>
{%- endblock data_markdown %}
"""


class NotebookFailed(RuntimeError):
    """A notebook raised; ``failed_dir`` keeps every executed notebook of the run.

    ``notebook`` and ``error`` are the first failed step and its exception's
    own message (``PlanError: …``, no traceback); ``failures`` maps every
    failed step to its message, ``ran`` lists the steps that finished and
    ``skipped`` the steps not started because they need a failed one.
    """

    def __init__(self, notebook: str, error: str, failed_dir: Path, failures: dict[str, str] | None = None,
                 ran: tuple[str, ...] = (), skipped: tuple[str, ...] = ()):
        self.notebook, self.error, self.failed_dir = notebook, error, failed_dir
        self.failures = dict(failures or {notebook: error})
        self.ran, self.skipped = tuple(ran), tuple(skipped)
        lines = [f"{_step_label(name)} ({name}) failed: {text}" for name, text in self.failures.items()]
        if self.ran:
            lines.append(f"Steps that finished: {', '.join(self.ran)}.")
        if self.skipped:
            lines.append(f"Not run because they need a failed step: {', '.join(self.skipped)}.")
        lines.append(f"Executed notebooks (and the finished steps' HTML pages) kept in {failed_dir}; "
                     "nothing was published and the action register was not touched.")
        super().__init__("\n".join(lines))


def _step_label(name: str) -> str:
    from .i18n import t as _t

    try:
        return _t(f"step_{name}", "en")
    except KeyError:
        return name


@dataclass(frozen=True)
class RunResult:
    """Where a published run lives and how long it took."""

    folder: Path
    period: str
    index_html: Path
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def notebooks_dir() -> Path:
    """The folder with the numbered notebooks (:func:`salesnb.installation.notebooks_dir`)."""
    from .installation import notebooks_dir as find

    return find()


def resolve_period(ws: Workspace, period: str | None) -> tuple[Period, bool]:
    """The requested period (default: the latest complete quarter **with data**,
    :func:`salesnb.periods.latest_complete_period`: a few stray rows in a later,
    otherwise empty quarter do not move it) and whether the data covers all of
    it. A period starting after the data ends is refused."""
    from .periods import latest_complete_period

    start_month = ws.config.calendar.fiscal_year_start_month
    dates = ws.table("sales")["order_date"]
    last = dates.max()
    p = latest_complete_period(dates, None, start_month).period if period is None else Period.parse(period, start_month)
    if p.start > last:
        raise RunRefused(f"period {p} starts after the last sales date in the workspace ({last.date()}); nothing to report")
    return p, bool(p.end <= last)


def _progress_default(message: str) -> None:
    print(f"[salesnb] {message}", flush=True)


def _prepare_child(root: Path) -> None:
    """Worker: prepare ``root`` and assemble its workspace into the cache (progress on stderr)."""
    prepare(root, progress=lambda m: print(f"[salesnb] {m}", file=sys.stderr, flush=True)).workspace()


def _prepare_apart(root: Path, progress: Callable[[str], None]) -> None:
    """Fill the prepare cache in a child process when the sales table is large.

    DuckDB and the assembly of millions of order lines leave gigabytes in the
    process that did them; done apart, the run itself then only loads the
    result (and the notebooks run next to a small process). Small workspaces,
    and any failure, are left to the in-process prepare that follows, which
    raises errors with their full detail.
    """
    sizes = [f.stat().st_size for f in root.glob("sales.*") if f.is_file()]
    if not sizes or max(sizes) < _PREPARE_APART_BYTES or os.environ.get("SALESNB_NO_CACHE") == "1":
        return
    progress("preparing in a child process (large sales table)")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            pool.submit(_prepare_child, root).result()
    except Exception:  # noqa: BLE001 - the in-process prepare below reports it properly
        pass


#: Sales files at least this large are prepared in a child process (about 2M order lines as Parquet, 150k as CSV).
_PREPARE_APART_BYTES = 16 * 2**20


def _clean_stale_staging(base: Path) -> None:
    """Remove staging folders of runs whose process is gone (killed runs)."""
    for entry in base.glob(".*.running-*"):
        m = _STAGING.match(entry.name)
        if not m or not entry.is_dir():
            continue
        pid = int(m.group("pid"))
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            shutil.rmtree(entry, ignore_errors=True)


def _kernel_manager_class():
    """A kernel manager that turns on CurveZMQ transport encryption where the
    installed jupyter_client supports it (ipykernel ≥ 7.4 warns otherwise)."""
    from jupyter_client.manager import KernelManager

    if "transport_encryption" not in KernelManager.class_trait_names():
        return KernelManager
    try:
        KernelManager(transport_encryption="auto")
    except Exception:  # noqa: BLE001 - no CurveZMQ in this libzmq
        return KernelManager

    class EncryptedKernelManager(KernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport_encryption", "auto")
            super().__init__(**kwargs)

    return EncryptedKernelManager


def _execute(name: str, nb_dir: Path, staging: Path, params: dict, html: tuple[str, str] | None = None) -> tuple[float, str | None]:
    """Execute one notebook into ``staging`` and, when it succeeds and ``html`` (title, nav) is given,
    export its HTML page to ``staging/report``; returns (seconds, error text or None).

    Runs in a worker process: papermill changes the process's working
    directory to ``staging`` for the kernel, which is not safe in threads.
    Exporting here lets one notebook's export overlap the next one's run.
    """
    import papermill as pm

    # the kernel inherits this process's environment: an MPLBACKEND=Agg set for scripts would turn every chart
    # into the text "<Figure size …>"; the report's charts are always drawn inline
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    start = time.perf_counter()
    try:
        for attempt in range(2):
            try:
                pm.execute_notebook(
                    str(nb_dir / f"{name}.ipynb"),
                    str(staging / f"{name}.ipynb"),
                    parameters=params,
                    cwd=str(staging),
                    progress_bar=False,
                    log_output=False,
                    kernel_name="python3",
                    kernel_manager_class=_kernel_manager_class(),
                    start_timeout=300,  # papermill's 60 s is too short for a kernel start on a busy two-core machine
                )
                break
            except RuntimeError as exc:
                # two kernels starting at once can draw the same free port (ZMQ "Address already in use"):
                # the kernel dies before running any cell, so starting it once more is safe
                if attempt or _KERNEL_START_FAILED not in str(exc):
                    raise
        from .notebook_zh import localise_markdown

        localise_markdown(staging / f"{name}.ipynb", str(params.get("lang", "en")))  # the analyst notes in the run's language
        if html is not None:
            export_html(staging / f"{name}.ipynb", staging / "report" / f"{name}.html", html[0], nav=html[1], lang=params.get("lang"))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as text (papermill errors do not pickle)
        return time.perf_counter() - start, _error_text(exc)
    return time.perf_counter() - start, None


_KERNEL_START_FAILED = "Kernel died before replying to kernel_info"


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    count = getattr(exc, "exec_count", None)
    where = f"cell [{count}] " if count is not None else ""
    return f"{where}{ename}: {evalue}"


ANALYST_ONLY_TAG = "analyst-only"
"""Cell tag (and ``salesnb.analyst_only`` output metadata, :func:`salesnb.present.analyst_only`) of what the
analyst notebook keeps and the leadership HTML drops."""

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_WIDGET_REPR = re.compile(r"^\s*(VBox|HBox|Box|GridBox|Tab|Accordion|Output|Dropdown|Button|Label|IntSlider|FloatSlider|Text|Textarea|Checkbox|SelectMultiple|interactive)\(")


def leadership_outputs(cell) -> list:
    """The outputs of a code ``cell`` that reach the leadership HTML: none for a cell tagged
    :data:`ANALYST_ONLY_TAG`; otherwise every output except stderr, outputs marked analyst-only, widget
    views and the plain-text repr of a widget (``VBox(children=…``)."""
    if ANALYST_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
        return []
    kept = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            continue
        if (o.get("metadata") or {}).get("salesnb", {}).get("analyst_only"):
            continue
        data = o.get("data") or {}
        if _WIDGET_MIME in data:
            continue
        text = data.get("text/plain", "") if set(data) <= {"text/plain"} else ""
        if isinstance(text, list):
            text = "".join(text)
        if (o.get("output_type") == "stream" and _WIDGET_REPR.match("".join(o.get("text", "")))) or (text and _WIDGET_REPR.match(text)):
            continue
        kept.append(o)
    return kept


def export_html(notebook: Path, target: Path, title: str, nav: str = "", lang: str | None = None) -> Path:
    """Render an executed notebook to HTML with code, prompts and stderr hidden.

    The page carries no script at all (see ``_REPORT_TEMPLATE``) and a
    Content-Security-Policy that forbids scripts and network access; HTML and
    Markdown outputs are rebuilt by :func:`salesnb.present.sanitize_html`, so
    text from the data (survey comments, names …) cannot become live markup.
    Analyst-only cells and outputs and every widget are left out
    (:func:`leadership_outputs`); the page gets :data:`PAGE_CSS` (A4, tables
    that wrap, visible links), ``<html lang>`` of the report language
    (``lang``, default the notebook's ``lang`` parameter) and alt text on every
    chart (its title, :func:`salesnb.plots.figure_title`, set when it was shown).
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    if lang is None:
        lang = nb.metadata.get("papermill", {}).get("parameters", {}).get("lang", "en")
    lang = lang if lang in ("en", "zh") else "en"
    kept_cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            if ANALYST_ONLY_TAG in cell.metadata.get("tags", []):
                continue
            cell.outputs = leadership_outputs(cell)
        kept_cells.append(cell)
    nb.cells = kept_cells
    from jinja2 import DictLoader

    from .present import sanitize_html

    nb.metadata.pop("widgets", None)
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"salesnb_report.html.j2": _REPORT_TEMPLATE})],
                            template_file="salesnb_report.html.j2")
    exporter.register_filter("snb_safe_html", sanitize_html)
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.exclude_markdown = True  # analyst notes; the report is the outputs, in the report language
    exporter.embed_images = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "snb_csp": CSP, "snb_css": PAGE_CSS,
                                                         "snb_chart_alt": t("rp_chart", lang)})
    body = re.sub(r"<html lang=\"[^\"]*\">", f'<html lang="{_html_lang(lang)}">', body, count=1)
    if nav:
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)
        body = body.replace("</body>", _footer_nav(nav) + "</body>", 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(embed_cjk_font(body), encoding="utf-8")
    return target


def _html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


def strip_outputs(path: str | Path) -> bool:
    """Remove outputs, execution counts and run metadata from a notebook file.

    Returns True when the file changed. Used before committing notebooks.
    """
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    for cell in nb.cells:
        for key in ("execution", "papermill"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("papermill", None)
    after = nbformat.writes(nb)
    if after != before:
        path.write_text(after + ("" if after.endswith("\n") else "\n"), encoding="utf-8")
    return after != before


QUALITY_PAGE = "data_quality"
PAGES = ("index", *NOTEBOOKS, QUALITY_PAGE)
"""Every page of ``report/`` in reading order: the summary, the four steps, the data-quality appendix."""

PAGE_CSS = """
@page { size: A4; margin: 14mm 12mm 14mm 12mm; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { overflow-wrap: break-word; }
a, a:visited { color: #0b57d0; text-decoration: underline; text-underline-offset: 2px; }
a:hover, a:focus { color: #083c91; }
.snb-nav { font: 14px/1.6 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", Arial, sans-serif; padding: 8px 16px;
           background: #f3f5f8; border-bottom: 1px solid #d0d7de; }
.snb-nav ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 14px; }
.snb-nav li { margin: 0; padding: 0; }
.snb-nav [aria-current] { font-weight: 700; color: #1f2328; }
.snb-prevnext { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4px 16px; margin-top: 4px; font-size: 13px; }
.snb-prevnext-bottom { padding: 10px 16px 16px; border-top: 1px solid #d0d7de; margin-top: 16px; }
img { max-width: 100%; height: auto; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
table { border-collapse: collapse; max-width: 100%; }
th, td { overflow-wrap: break-word; word-break: normal; hyphens: auto; vertical-align: top; }
.jp-RenderedHTMLCommon table { table-layout: auto; max-width: 100%; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { max-width: 28em; vertical-align: top; }
:lang(zh) th, :lang(zh) td { min-width: 3.2em; line-break: strict; }
:lang(zh) td.text, :lang(zh) th.text { min-width: 4.5em; }
.snb-table { max-width: 100%; }
.snb-table th:not(.text), .snb-table td:not(.text) { width: 1%; }
.snb-table td:not(.text) { white-space: nowrap; }
.jp-OutputArea-output { max-width: 100%; }
main, .jp-Cell, .jp-OutputArea, .jp-OutputArea-child { max-width: 100%; min-width: 0; }
@media screen and (max-width: 640px) {
  body { font-size: 14px; }
  .jp-Cell { padding: 0 6px; }
  .jp-OutputArea-output { overflow-x: auto; }
  .snb-table, .jp-RenderedHTMLCommon table { font-size: 12px; }
  body .snb-table th, body .snb-table td, body .jp-RenderedHTMLCommon th, body .jp-RenderedHTMLCommon td { padding: 2px 5px; }
  :lang(zh) .snb-table td.text, :lang(zh) .snb-table th.text { min-width: 3.2em; }
  .snb-nav { padding: 6px 10px; font-size: 13px; }
}
@media print {
  .snb-nav, .snb-prevnext-bottom { display: none; }
  body { font-size: 10.5px; }
  .jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; }
  .jp-RenderedHTMLCommon table, .snb-table { width: 100%; font-size: 9.5px; }
  body .jp-RenderedHTMLCommon th, body .jp-RenderedHTMLCommon td, body .snb-table th, body .snb-table td { padding: 1px 4px; }
  .jp-RenderedImage img { max-height: 120mm; width: auto; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, img { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; }
}
"""
"""The stylesheet of the step pages and the appendix: A4 pages, tables that wrap instead of scrolling in print
(and scroll inside their own box on a phone, never the page), a minimum width for Chinese columns, images at
most the page width, visible links, the navigation bar."""


def _page_label(name: str, lang: str) -> str:
    if name == "index":
        return t("rp_nav_summary", lang)
    if name == QUALITY_PAGE:
        return t("rp_nav_quality", lang)
    return t(f"step_{name}", lang)


def _nav(lang: str, current: str | None) -> str:
    """The navigation bar of a page: every page (the current one marked, not a link) and, on the steps and the
    appendix, previous/next links."""
    e = html.escape
    items = []
    for name in PAGES:
        label = e(_page_label(name, lang))
        items.append(f'<li><span aria-current="page">{label}</span></li>' if name == current
                     else f'<li><a href="{name}.html">{label}</a></li>')
    prevnext = ""
    if current in PAGES and current != "index":
        i = PAGES.index(current)
        before = PAGES[i - 1]
        after = PAGES[i + 1] if i + 1 < len(PAGES) else None
        prev_link = f'<a rel="prev" href="{before}.html">← {e(t("rp_prev", lang, page=_page_label(before, lang)))}</a>'
        next_link = f'<a rel="next" href="{after}.html">{e(t("rp_next", lang, page=_page_label(after, lang)))} →</a>' if after else ""
        prevnext = f'<div class="snb-prevnext">{prev_link}{next_link}</div>'
    return f'<nav class="snb-nav" aria-label="{e(t("open_report", lang))}"><ol>{"".join(items)}</ol>{prevnext}</nav>'


def _footer_nav(nav: str) -> str:
    """The previous/next links of ``nav`` again at the end of the page (nothing when it has none)."""
    m = re.search(r'<div class="snb-prevnext">(.*?)</div>', nav)
    return f'<div class="snb-prevnext snb-prevnext-bottom">{m.group(1)}</div>' if m else ""


def write_index(folder: Path, ws: Workspace, period: Period, lang: str, complete: bool, quality: "pd.DataFrame") -> Path:
    """``report/index.html``: the one-page executive summary (:mod:`salesnb.summary`) and links to the four step reports;
    ``quality`` is the workspace's data-quality notes, counted by the same sentence as above each step's table."""

    from .summary import PRINT_CSS, executive_summary

    e = html.escape
    unit = ws.config.company.display_unit
    links = "".join(f'<li><a href="{name}.html">{e(_page_label(name, lang))}</a></li>' for name in PAGES if name != "index")
    partial = "" if complete else f"<p class=warn>{e(t('incomplete_period', lang, last=str(ws.table('sales')['order_date'].max().date()), period=str(period)))}</p>"
    from .present import quality_sentence

    dq = (f"<p>{e(t('data_quality', lang))}: {e(quality_sentence(quality, lang) if len(quality) else t('data_quality_clean', lang))}"
          f"{'' if lang == 'zh' else ' '}<a href=\"{QUALITY_PAGE}.html\">{e(t('rp_see_appendix', lang))}</a></p>")
    aside = sum(ws.quarantined().values())
    if aside:
        dq += f"<p class=note>{e(t('rb_quarantine', lang, n=aside))}</p>"
    dq += f"<p class=note>{e(t('rb_personal_data', lang))}</p>"
    generated = t("generated", lang, version=__version__, date=datetime.now().date().isoformat())
    from .config import value_labels
    from .i18n import use_value_labels

    use_value_labels(value_labels(ws.config, lang))  # the summary names regions, product lines, categories in lang
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{e(ws.config.company.name)} · {e(str(period))}</title>
<style>{PRINT_CSS}</style>
</head><body>
<h1>{e(t('report_title', lang))}</h1>
<p><b>{e(ws.config.company.name)}</b> · {e(t('period_range', lang, period=str(period), start=period.start.date().isoformat(), end=period.end.date().isoformat()))}</p>
{partial}
{executive_summary(folder, ws.config.company.name, period, lang, unit)}
<h2>{e(t('open_report', lang))}</h2>
<ol class="links">{links}</ol>
{dq}
<p class=note>{e(generated)}</p>
</body></html>
"""
    target = folder / "report" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(embed_cjk_font(page), encoding="utf-8")
    return target


def write_quality_page(folder: Path, ws: Workspace, period: Period, lang: str, quality: "pd.DataFrame") -> Path:
    """``report/data_quality.html``: the data-quality appendix of the leadership report.

    The input files (table, file, rows, encoding) and one row per quality note
    (``quality``, :meth:`salesnb.io.Workspace.quality_frame`) with the kind of
    note and a plain description of its rule in the report language (labels
    ``rp_rule_<rule>``, never the rule id); the analyst's English detail
    sentence is shown only in English reports. The step pages link here from
    their one-line status (:func:`salesnb.present.quality_status`).
    """
    from .present import esc, quality_rows, source_rows

    def grid(rows: list[dict]) -> str:
        if not rows:
            return ""
        head = "".join(f'<th class="{"" if isinstance(v, int) else "text"}">{esc(k)}</th>' for k, v in rows[0].items())
        body = "".join("<tr>" + "".join(f'<td class="{"" if isinstance(v, int) else "text"}">{esc(f"{v:,}" if isinstance(v, int) else v)}</td>'
                                        for v in row.values()) + "</tr>" for row in rows)
        return f'<div class="snb-wide"><table class="snb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'

    e = html.escape
    notes = quality_rows(quality, lang)
    title = f"{ws.config.company.name} · {t('rp_quality_title', lang)} · {period}"
    page = f"""<!DOCTYPE html>
<html lang="{_html_lang(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{e(title)}</title>
<style>{_APPENDIX_CSS}{PAGE_CSS}</style>
</head><body>
{_nav(lang, QUALITY_PAGE)}
<main>
<h1>{e(t('rp_quality_title', lang))}</h1>
<p><b>{e(ws.config.company.name)}</b> · {e(t('period_range', lang, period=str(period), start=period.start.date().isoformat(), end=period.end.date().isoformat()))}</p>
<p>{e(t('rp_quality_intro', lang))}</p>
<h2>{e(t('rp_quality_inputs', lang))}</h2>
{grid(source_rows(ws, lang))}
<h2>{e(t('rp_quality_notes', lang))}</h2>
{grid(notes) if notes else f"<p>{e(t('rp_quality_none', lang))}</p>"}
</main>
{_footer_nav(_nav(lang, QUALITY_PAGE))}
</body></html>
"""
    target = folder / "report" / f"{QUALITY_PAGE}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(embed_cjk_font(page), encoding="utf-8")
    return target


_APPENDIX_CSS = """
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; margin: 0;
       color: #1f2328; font-size: 14px; line-height: 1.5; }
main { max-width: 182mm; margin: 0 auto; padding: 8px 16px 0; }
h1 { font-size: 22px; } h2 { font-size: 16px; border-bottom: 1px solid #d0d7de; padding-bottom: 2px; }
.snb-table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }
.snb-table th, .snb-table td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
.snb-table th { background: #f3f5f8; } .snb-table td.text, .snb-table th.text { text-align: left; }
@media screen and (max-width: 640px) { .snb-wide { overflow-x: auto; } }
@media print { main { max-width: none; padding: 0; } }
"""


def check_folder_name(name: str) -> str:
    """``name`` if it is safe as a folder name of the output tree, else ``RunRefused``.

    The workspace folder's name becomes ``<out>/<name>/``: it must not be
    empty, start with ``.`` or ``-``, or hold path separators, control
    characters or characters Windows refuses (``:*?"<>|``).

    >>> check_folder_name("华信 2025")
    '华信 2025'
    """
    if not name or name.startswith((".", "-")) or _UNSAFE_NAME.search(name) or len(name) > 120 or name != name.strip():
        raise RunRefused(
            f"workspace folder name {name!r} cannot be used for the output folder: rename the folder "
            "(letters, digits, spaces, - and _; not starting with . or -)"
        )
    return name


def check_parameters(params: dict) -> dict:
    """``params`` if every name is a Python identifier (not a keyword) and every value text without NUL, else ``RunRefused``.

    papermill writes the parameters into the notebooks' code, so nothing else
    may reach it.

    >>> check_parameters({"period": "2025Q4"})
    {'period': '2025Q4'}
    """
    import keyword

    bad = [k for k, v in params.items()
           if not (isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k) and isinstance(v, str) and "\x00" not in v)]
    if bad:
        raise RunRefused(f"parameters {', '.join(map(repr, bad))} are not identifiers with text values")
    return params


def _reason_kind(reason: str) -> str:
    for prefix, kind in (("footer note", "footer_note"), ("total row", "total_row"), ("subtotal row", "total_row"), ("exact duplicate", "duplicate")):
        if reason.startswith(prefix):
            return kind
    return "date_out_of_range"


def write_quarantine(folder: Path, ws: Workspace) -> dict[str, dict]:
    """``quarantine/<table>.csv`` for every table with rows set aside; returns what run.json records."""
    written = {}
    for name, frame in ws.quarantine.items():
        if not len(frame):
            continue
        path = write_csv_file(frame.reset_index(), folder / "quarantine" / f"{name}.csv")
        kinds = frame["reason"].map(_reason_kind).value_counts()
        written[name] = {"file": str(path.relative_to(folder)), "rows": len(frame), "reasons": {k: int(v) for k, v in kinds.items()}}
    return written


def write_contacts(folder: Path, ws: Workspace) -> str | None:
    """``internal/contacts.csv``: the unmasked customer contact list, the only output holding personal data."""
    if ws.contacts is None or ws.contacts.empty:
        return None
    path = write_csv_file(ws.contacts.reset_index(drop=True), folder / "internal" / "contacts.csv")
    return str(path.relative_to(folder))


def _lock_drift(progress: Callable[[str], None]) -> list[dict]:
    """Warn (one progress line) when installed packages differ from ``requirements.lock``; the list goes to run.json."""
    from .installation import lock_file, version_drift

    drift = [{"package": d.package, "locked": d.locked, "running": d.running} for d in version_drift()]
    if drift:
        shown = ", ".join(f"{d['package']} {d['running']} (locked {d['locked']})" for d in drift[:5])
        more = f" and {len(drift) - 5} more" if len(drift) > 5 else ""
        progress(f"warning: {len(drift)} installed package(s) differ from {lock_file()}: {shown}{more}; "
                 "numbers may differ from a run with the locked versions (README: upgrading deliberately)")
    return drift


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "salesnb": __version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


MIN_FREE_MB = 50
"""Free space a run needs on the output file system at least (``SALESNB_MIN_FREE_MB`` overrides);
more when the last period folder was larger (:func:`preflight`)."""
_FREE_FACTOR = 3


def _min_free_bytes() -> int:
    try:
        return int(float(os.environ.get("SALESNB_MIN_FREE_MB", MIN_FREE_MB)) * 2**20)
    except ValueError:
        return MIN_FREE_MB * 2**20


def _mb(n: float) -> str:
    """Bytes as megabytes, one decimal below 10 MB."""
    mb = n / 2**20
    return f"{mb:.1f}" if mb < 10 else f"{mb:,.0f}"


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def _last_period_folder(base: Path) -> Path | None:
    folders = [p for p in base.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}(Q[1-4])?", p.name)] if base.is_dir() else []
    return max(folders, key=lambda p: p.stat().st_mtime) if folders else None


def _probe_write(folder: Path) -> None:
    """Create and remove a small file in ``folder`` (OSError when it cannot be written)."""
    fd, name = tempfile.mkstemp(prefix=".salesnb-probe-", dir=folder)
    os.close(fd)
    os.unlink(name)


def _excel_owner_file(register: Path) -> Path | None:
    """Excel's owner file beside ``register`` (``~$actions.xlsx``: the workbook is open in Excel), or ``None``."""
    name = register.name
    for candidate in ("~$" + name, "~$" + name[1:], "~$" + name[2:]):  # Office shortens long names by one or two characters
        if (register.parent / candidate).exists():
            return register.parent / candidate
    return None


def preflight(base: Path, register: Path | None) -> None:
    """Check every place the run will write, before the first notebook starts.

    - the output folder ``base`` (``<out>/<workspace>``) can be created and written;
    - its file system has at least ``max(MIN_FREE_MB, 3 × the last period folder)`` free;
    - the action register (when given) is not open in Excel (no ``~$<name>`` owner
      file beside it), not read-only, and its folder and ``actions.history/`` can
      be written, with room for the new version and its history copy.

    Raises
    ------
    RunRefused
        Saying what is wrong and what to do.
    """
    try:
        base.mkdir(parents=True, exist_ok=True)
        _probe_write(base)
    except OSError as exc:
        raise RunRefused(f"cannot write to the output folder {base} ({exc.strerror or exc}): choose another --out, "
                         "or get write access to it, and run again") from None
    last = _last_period_folder(base)
    need = max(_min_free_bytes(), _FREE_FACTOR * _folder_bytes(last) if last is not None else 0)
    free = shutil.disk_usage(base).free
    if free < need:
        why = f"{_FREE_FACTOR} × the last period folder {last.name}, at least" if last is not None else "at least"
        raise RunRefused(f"only {_mb(free)} MB free on the file system of {base}; a run needs about "
                         f"{_mb(need)} MB ({why} {_mb(_min_free_bytes())} MB): free some space or "
                         "choose another --out, then run again")
    if register is not None:
        check_register_writable(register)


def check_register_writable(register: Path) -> None:
    """The register part of :func:`preflight` (run again just before publishing:
    the register may have been opened in Excel while the notebooks ran)."""
    from .improve import REGISTER_HISTORY

    owner = _excel_owner_file(register)
    if owner is not None:
        raise RunRefused(f"{register.name} is open in Excel (its lock file {owner.name} is beside it in {register.parent}): "
                         f"close {register.name} in Excel and run again. If Excel is not running, delete {owner}")
    if register.exists():
        mode = register.stat().st_mode
        if not register.is_file():
            raise RunRefused(f"the action register {register} is not a file: point tables.actions.file in {CONFIG_FILE} at the register file")
        if not mode & stat.S_IWUSR or not os.access(register, os.W_OK):
            raise RunRefused(f"the action register {register} is read-only, and the run writes the updated register back "
                             f"to it: clear its read-only flag (file Properties, or chmod u+w) and run again")
        try:
            with open(register, "ab"):
                pass
        except OSError as exc:
            raise RunRefused(f"cannot write the action register {register} ({exc.strerror or exc}): close it in any "
                             "program that has it open and run again") from None
    history = register.parent / REGISTER_HISTORY
    for folder, what in ((register.parent, "the folder of the action register"), (history, f"the register's history folder {REGISTER_HISTORY}/")):
        if folder == history and not history.exists():
            continue
        try:
            if not folder.is_dir():
                raise NotADirectoryError(20, "not a folder")
            _probe_write(folder)
        except OSError as exc:
            raise RunRefused(f"cannot write to {what} ({folder}: {exc.strerror or exc}); the run writes the updated "
                             "register and a copy of the replaced one there: get write access to it and run again") from None
    size = register.stat().st_size if register.exists() else 0
    free = shutil.disk_usage(register.parent).free
    if free < 2 * size + 2**20:
        raise RunRefused(f"only {_mb(free)} MB free beside the action register {register}: it needs room for the "
                         "new version and the history copy; free some space and run again")


def check_register_location(root: Path, register: Path, allow_outside: bool) -> None:
    """Refuse a register outside the workspace (after resolving ``..`` and symlinks) unless allowed."""
    if allow_outside or register.is_relative_to(root):
        return
    raise RunRefused(
        f"the action register resolves to {register}, outside the workspace {root} (tables.actions.file in "
        f"{CONFIG_FILE}, or a symbolic link); a run writes the updated register back where it is read, and "
        "writes nothing outside the workspace unless told to: move the register into the workspace folder and set "
        "tables.actions.file to its path there, or run again with --allow-register-outside"
    )


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


def _disk_full_refusal(where: str, final: Path) -> RunRefused:
    earlier = f"the earlier {final} is intact" if final.exists() else f"no {final.name} folder was created"
    return RunRefused(f"the disk is full (no space left on device while writing {where}): nothing was published, "
                      f"{earlier} and the action register was not touched. Free some space, or choose another --out, "
                      "and run again")


def _notebook_error(path: Path) -> tuple[int | None, str] | None:
    """The error a cell of the executed notebook ``path`` raised: (its execution count, ``Name: message``)."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - not written (the kernel never started)
        return None
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                return cell.get("execution_count"), f"{output.get('ename')}: {output.get('evalue')}"
    return None


def run_period(
    workspace: str | Path,
    period: str | None = None,
    lang: str = "en",
    out: str | Path = "outputs",
    force: bool = False,
    progress: Callable[[str], None] = _progress_default,
    parallel: bool = True,
    allow_register_outside: bool = False,
    lock_wait: float | None = None,
) -> RunResult:
    """Validate ``workspace``, run the four notebooks for ``period`` and publish.

    Parameters
    ----------
    workspace : path
        Workspace folder (``workspace.yaml`` plus one file per table).
    period : str, optional
        ``YYYYQn`` or ``YYYY``; default the latest complete quarter in the sales data.
    lang : {'en', 'zh'}
    out : path
        Output root; the run goes to ``<out>/<workspace folder name>/<period>/``.
    force : bool
        Move an existing period folder aside (``<period>.replaced-<timestamp>``)
        instead of refusing.
    parallel : bool
        Run independent notebooks side by side (two at a time).
    allow_register_outside : bool
        Read and write back an action register that ``tables.actions.file``
        places outside the workspace folder (refused otherwise).
    lock_wait : float, optional
        Seconds to wait for another run holding the workspace or the period
        folder (default ``SALESNB_LOCK_WAIT`` or 5).

    Raises
    ------
    DataError, ConfigError
        The workspace is invalid (nothing was run).
    RunRefused
        Bad parameters, the period folder exists and ``force`` is False,
        another run holds the workspace or the period, or a place the run
        writes is not writable (register open in Excel, read-only, disk full).
    NotebookFailed
        A notebook raised; the others that do not need it still ran, their
        notebooks are under ``failed/``, nothing was published.
    """
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    try:  # reject malformed parameters before reading anything
        check_lang(lang)
        if period is not None:
            Period.parse(period)
    except ValueError as exc:
        raise RunRefused(str(exc)) from None
    root = Path(workspace).resolve()
    if not root.is_dir():
        raise RunRefused(f"workspace folder {root} does not exist")
    check_folder_name(root.name)
    nb_dir = notebooks_dir()
    with RunLock(root / LOCK_FILE, f"workspace {root}", lock_wait):
        return _run_locked(root, nb_dir, period, lang, Path(out), force, progress, parallel, allow_register_outside,
                           lock_wait, started, t0)


def _schedule(names, nb_dir, staging, params, pages, parallel, progress, t0, timings) -> tuple[dict, list[str]]:
    """Run the notebooks, each as soon as the ones it needs have finished; a
    notebook that needs a failed (or skipped) one is skipped, every other still runs."""
    results: dict[str, tuple[float, str | None]] = {}
    skipped: list[str] = []
    with ProcessPoolExecutor(max_workers=2 if parallel else 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        running: dict = {}
        waiting = list(names)
        while waiting or running:
            for name in list(waiting):
                blocked = [d for d in NEEDS[name] if d in skipped or (d in results and results[d][1])]
                if blocked:
                    waiting.remove(name)
                    skipped.append(name)
                    progress(f"{name} skipped: it needs {', '.join(blocked)}, which did not finish")
                elif all(d in results for d in NEEDS[name]) and all(d in results or d in skipped for d in AFTER.get(name, ())):
                    progress(f"running {name} …")
                    running[pool.submit(_execute, name, nb_dir, staging, params, pages[name])] = name
                    waiting.remove(name)
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                name = running.pop(fut)
                results[name] = fut.result()
                timings[name] = round(results[name][0], 2)
                progress(f"{name} {'failed' if results[name][1] else 'done'} in {timings[name]:.1f} s (elapsed {time.perf_counter() - t0:.1f} s)")
    return results, skipped


def _publish(staging: Path, final: Path, base: Path, p: Period, staged, progress) -> None:
    """Move ``staging`` into place as ``final`` (an earlier ``final`` moved aside) and commit the
    staged register; if any step fails, undo the others: never a report without its register."""
    aside = None
    if final.exists():
        aside = base / f"{p}.replaced-{datetime.now().strftime('%Y%m%dT%H%M%S')}"
        os.replace(final, aside)
    try:
        os.replace(staging, final)
        try:
            if staged is not None:
                staged.commit()
        except BaseException as exc:
            os.replace(final, staging)
            if isinstance(exc, OSError):
                raise RunRefused(f"the action register {staged.target} could not be replaced ({exc.strerror or exc}); "
                                 "nothing was published and the register is as it was: close it in any program that "
                                 "has it open and run again") from None
            raise
    except BaseException:
        if aside is not None and not final.exists():
            os.replace(aside, final)
        raise
    if aside is not None:
        progress(f"moved the earlier {p} run aside to {aside}")


def _run_locked(root: Path, nb_dir: Path, period: str | None, lang: str, out: Path, force: bool, progress, parallel: bool,
                allow_register_outside: bool, lock_wait: float | None, started: datetime, t0: float) -> RunResult:
    """:func:`run_period` once the workspace lock is held."""
    from .config import load_config
    from .improve import REGISTER_HISTORY, register_path, stage_register

    register = register_path(root, load_config(root / CONFIG_FILE))
    check_register_location(root, register, allow_register_outside)
    drift = _lock_drift(progress)
    progress(f"validating workspace {root}")
    p0 = time.perf_counter()
    _prepare_apart(root, progress)
    prepared = prepare(root, progress=progress)  # read, validate and reduce once (above); the notebooks read the cache
    ws = prepared.workspace()
    prepare_seconds = round(time.perf_counter() - p0, 2)
    p, complete = resolve_period(ws, period)
    # the run itself needs only the sales dates (the index page); the notebooks load the cache themselves,
    # so the order lines are not held here while they run (1.8 GB at 10M lines)
    ws = replace(ws, tables=MappingProxyType({**ws.tables, "sales": ws.tables["sales"][["order_date"]]}))
    base = out.resolve() / ws.name
    final = base / str(p)
    if final.exists() and not force:
        raise RunRefused(f"{final} already exists; an earlier run is never overwritten. Use --force to move it aside, or choose another --out")
    preflight(base, register)
    with RunLock(base / f".{p}.lock", f"period folder {final}", lock_wait):
        if final.exists() and not force:  # published by another run while this one waited
            raise RunRefused(f"{final} already exists; an earlier run is never overwritten. Use --force to move it aside, or choose another --out")
        _clean_stale_staging(base)
        params = check_parameters({"workspace": str(root), "period": str(p), "lang": lang, "output_dir": "."})
        staging = Path(tempfile.mkdtemp(prefix=f".{p}.running-{os.getpid()}-", dir=base))
        hashes = {name: s.sha256 for name, s in ws.sources.items()}
        progress(f"period {p} ({p.start.date()} to {p.end.date()}), lang={lang}" + ("" if complete else " — data ends inside the period"))

        timings: dict[str, float] = {"prepare": prepare_seconds}
        staged = None
        try:
            company = ws.config.company.name
            pages = {name: (f"{company} · {t(f'step_{name}', lang)} · {p}", _nav(lang, name)) for name in NOTEBOOKS}
            results, skipped = _schedule(NOTEBOOKS, nb_dir, staging, params, pages, parallel, progress, t0, timings)
            failures = {name: err for name in NOTEBOOKS for (_, err) in [results.get(name, (0, None))] if err}
            if failures:
                if any("No space left on device" in err or "[Errno 28]" in err for err in failures.values()):
                    raise OSError(errno.ENOSPC, "No space left on device", str(staging))
                for name in failures:
                    found = _notebook_error(staging / f"{name}.ipynb")
                    if found is not None:
                        failures[name] = (f"cell [{found[0]}] " if found[0] is not None else "") + found[1]
                failed = base / "failed" / f"{p}-{datetime.now().strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
                failed.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging, failed)
                ran = tuple(n for n in NOTEBOOKS if n in results and n not in failures)
                first = next(iter(failures))
                raise NotebookFailed(first, failures[first], failed, failures, ran, tuple(skipped))

            changed = [s.file for name, s in ws.sources.items() if sha256_file(s.path) != hashes[name]]
            if changed:
                raise RunRefused(f"input file(s) {', '.join(changed)} changed while the notebooks ran; nothing was published — run again")
            h0 = time.perf_counter()
            summary = record_metrics(staging, "run", {}, period=str(p), workspace=ws.name, lang=lang)
            record_facts(staging, "04_improvement", register_facts(summary.get("metrics", {}), str(p)))  # the steps recorded theirs
            quarantined = write_quarantine(staging, ws)
            contacts = write_contacts(staging, ws)
            notes = ws.quality_frame()
            index = write_index(staging, ws, p, lang, complete, notes)
            write_quality_page(staging, ws, p, lang, notes)
            timings["html"] = round(time.perf_counter() - h0, 2)

            run_info = {
                "salesnb": __version__,
                "parameters": {"workspace": str(root), "period": str(p), "lang": lang, "output_dir": str(final)},
                "period": {"label": str(p), "start": p.start.date().isoformat(), "end": p.end.date().isoformat(), "complete": complete},
                "started_at": started.isoformat(timespec="seconds"),
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "seconds_total": round(time.perf_counter() - t0, 2),
                "timings_seconds": timings,
                "versions": _versions(),
                "lock_drift": drift,
                "platform": platform.platform(),
                "inputs": [
                    {"table": s.table, "file": s.file, "format": s.format, "encoding": s.encoding, "sheet": s.sheet, "rows": s.rows, "sha256": s.sha256}
                    for s in ws.sources.values()
                ] + [{"table": None, "file": CONFIG_FILE, "format": "yaml", "encoding": "utf-8", "sheet": None, "rows": None,
                      "sha256": sha256_file(root / CONFIG_FILE)}],
                "prepare": {"cache_hit": prepared.hit, "reader": prepared.reader, "engine": prepared.engine, "key": prepared.key},
                "data_quality": json.loads(notes.to_json(orient="records", force_ascii=False)),
                "quarantine": quarantined,
                "register": str(register),
                "personal_data": {
                    "masked_in": ["report/", "*.ipynb", "artifacts/", "quarantine/"],
                    "contact_list": contacts,
                    "unmasked_files": sorted(str(f.relative_to(staging)) for f in (staging / "internal").rglob("*") if f.is_file()),
                },
            }
            (staging / "run.json").write_text(json.dumps(run_info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

            # the report and the register are one publish: the register is written beside itself first,
            # then the period folder moves into place and the register replaces its file; if that last
            # step fails, the period folder moves back out (and an earlier one back in)
            updated = staging / "artifacts" / "actions.xlsx"
            if updated.is_file():
                source = ws.sources.get("actions")
                try:
                    staged = stage_register(updated, p, register, ws.config.tables.get("actions"),
                                            source.encoding if source else None, source.sheet if source else None)
                except OSError as exc:
                    if _disk_full(exc):
                        raise
                    raise RunRefused(f"could not write the updated action register beside {register} ({exc.strerror or exc}); "
                                     "nothing was published and the register is as it was: get write access to its folder "
                                     "and run again") from None
            if staged is not None:
                check_register_writable(register)  # opened in Excel while the notebooks ran? refuse before moving anything
            _publish(staging, final, base, p, staged, progress)
            if staged is not None:
                progress(f"action register updated: {register} (the replaced version is in {register.parent / REGISTER_HISTORY})")
        except BaseException as exc:
            if staged is not None and staged.tmp.exists():
                staged.discard()
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            if _disk_full(exc):
                raise _disk_full_refusal(getattr(exc, "filename", None) or str(base), final) from None
            raise
    seconds = round(time.perf_counter() - t0, 2)
    progress(f"published {final} in {seconds:.1f} s")
    return RunResult(final, str(p), final / "report" / index.relative_to(staging / "report"), timings, seconds)
