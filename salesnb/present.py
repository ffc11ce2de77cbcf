"""Safe rendering of headings, narrative and tables into a notebook.

Everything here escapes text that comes from data (names, comments,
categories) before it becomes HTML, so a survey comment such as
``<script>…`` is shown as text in the leadership report. Notebooks display
through these functions, never through raw ``Markdown``/``HTML`` of data.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Callable, Mapping

import pandas as pd

from . import metrics
from .i18n import LABELS, MISSING, money, number, pct, show_values, t
from .privacy import mask_text
from .survey import wilson_interval

__all__ = ["money_formats", "heading", "para", "note", "table", "esc", "quality_section", "period_banner", "definitions", "metric_table", "quality_sentence", "ABSENT_TABLES", "missing_tables", "absence_sentences", "absence_note", "nps_groups", "csat_groups", "survey_groups", "sanitize_html",
           "analyst_only", "quality_status", "quality_rows", "source_rows", "show_charts_with_alt_text"]

_STYLE = (
    "<style>.snb-table{border-collapse:collapse;font-size:13px;margin:4px 0 12px}"
    ".snb-table th,.snb-table td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}"
    ".snb-table th{background:#f3f5f8}.snb-table td.text,.snb-table th.text{text-align:left}"
    ".snb-caption{font-weight:600;margin:8px 0 2px}.snb-note{color:#555;font-size:12px}"
    ".snb-warn{color:#9a4b00}</style>"
)


def esc(value) -> str:
    """HTML-escape any value (quotes included), with phone numbers, e-mails and
    ID-card numbers in it masked (:func:`salesnb.privacy.mask_text`): whatever
    reaches a report through this module is neither live markup nor contact data."""
    return html.escape(mask_text("" if value is None else str(value)), quote=True)


def _html(markup: str):
    from IPython.display import HTML

    return HTML(markup)


def heading(text: str, level: int = 2):
    """A heading; ``text`` is escaped."""
    return _html(f"<h{level}>{esc(show_values(text))}</h{level}>")


def para(text: str):
    """A paragraph of narrative; ``text`` is escaped."""
    return _html(f"<p>{esc(show_values(text))}</p>")


def note(text: str, warn: bool = False):
    """A small grey (or amber, with ``warn``) note; escaped."""
    cls = "snb-note snb-warn" if warn else "snb-note"
    return _html(f'<p class="{cls}">{esc(show_values(text))}</p>')


def table(df: pd.DataFrame, caption: str | None = None, formats: Mapping[str, Callable] | None = None,
          index: bool = False, max_rows: int = 60):
    """Render ``df`` as an escaped HTML table.

    Parameters
    ----------
    formats : mapping column → callable, optional
        Formatter per column (e.g. ``lambda v: pct(v, lang)``); other numeric
        columns get thousands separators.
    """
    formats = dict(formats or {})
    shown = df.reset_index() if index else df
    shown = shown.head(max_rows)
    head = "".join(f'<th class="{"text" if not pd.api.types.is_numeric_dtype(shown[c]) else ""}">{esc(c)}</th>' for c in shown.columns)
    body = []
    for _, row in shown.iterrows():
        cells = []
        for c in shown.columns:
            v = row[c]
            numeric = pd.api.types.is_numeric_dtype(shown[c])
            if c in formats:
                text = formats[c](v)
            elif pd.isna(v) if not isinstance(v, (list, tuple)) else False:
                text = MISSING
            elif numeric and isinstance(v, float):
                text = f"{v:,.1f}"
            elif numeric:
                text = f"{v:,}"
            else:
                text = show_values(v, whole=True)  # a region/product/category named in the report's language (labels: in workspace.yaml)
            cells.append(f'<td class="{"" if numeric else "text"}">{esc(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f'<div class="snb-caption">{esc(caption)}</div>' if caption else ""
    more = f'<p class="snb-note">… {len(df) - max_rows} more rows</p>' if len(df) > max_rows else ""
    return _html(f'{_STYLE}{cap}<table class="snb-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}')


def period_banner(company: str, step_key: str, period, lang: str):
    """The title block of a notebook: company, step and the period's dates."""
    span = t("period_range", lang, period=str(period), start=period.start.date().isoformat(), end=period.end.date().isoformat())
    return _html(f"<h1>{esc(t(step_key, lang))}</h1><p><b>{esc(company)}</b> · {esc(span)}</p>")


ANALYST_ONLY = {"salesnb": {"analyst_only": True}}
"""Output metadata of what the analyst notebook shows and the leadership HTML drops (:func:`salesnb.report.leadership_outputs`)."""


def analyst_only(*objs) -> None:
    """Display ``objs`` in the notebook only: the leadership HTML leaves them out (for a whole cell, tag it
    ``analyst-only`` instead)."""
    from IPython.display import display

    for obj in objs:
        display(obj, metadata=ANALYST_ONLY)


def _plural(key: str, n: int, lang: str) -> str:
    return t(f"{key}_one", lang) if n == 1 else t(f"{key}_many", lang, n=n)


def quality_status(quality: pd.DataFrame, lang: str, href: str = "data_quality.html") -> str:
    """The one line a step page shows before its findings: repairs and warnings counted from ``quality``
    (:meth:`salesnb.io.Workspace.quality_frame`, ``severity``), linked to the appendix ``href``; HTML.

    Examples
    --------
    >>> quality_status(pd.DataFrame({"severity": ["repair", "warning", "warning", "info"]}), "en")
    '<p class="snb-quality">Data quality: 1 repair, 2 warnings — <a href="data_quality.html">see the appendix</a></p>'
    >>> quality_status(pd.DataFrame({"severity": ["repair"] * 3}), "zh")
    '<p class="snb-quality">数据质量：修复 3 项，警告 0 项——<a href="data_quality.html">详见附录</a></p>'
    """
    sev = quality["severity"].value_counts() if len(quality) else pd.Series(dtype=int)
    repairs, warnings = int(sev.get("repair", 0)), int(sev.get("warning", 0))
    if not repairs and not warnings:
        text = t("rp_status_clean", lang)
    else:
        text = t("rp_status", lang, repairs=_plural("rp_repairs", repairs, lang), warnings=_plural("rp_warnings", warnings, lang))
    sep = "——" if lang == "zh" else " — "
    head, _, tail = text.rpartition(sep)
    return f'<p class="snb-quality">{esc(head)}{esc(sep)}<a href="{esc(href)}">{esc(tail)}</a></p>'


def _table_label(name: str, lang: str) -> str:
    return t(f"rp_table_{name}", lang) if f"rp_table_{name}" in LABELS else name


def source_rows(ws, lang: str) -> list[dict]:
    """The input files of ``ws`` as rows for the appendix: table (in words), file, rows, encoding."""
    return [{t("rp_col_table", lang): _table_label(s.table, lang), t("rp_col_file", lang): s.file, t("rp_col_rows", lang): int(s.rows or 0),
             t("rp_col_encoding", lang): s.encoding or s.format} for s in ws.sources.values()]


def quality_rows(quality: pd.DataFrame, lang: str) -> list[dict]:
    """The quality notes as rows for the appendix: table, file, kind, a plain description of the rule (never
    its id; ``rp_rule_other`` for a rule without a description) and count; English reports add the
    analyst's detail sentence.

    Examples
    --------
    >>> q = pd.DataFrame([{"table": "sales", "file": "s.csv", "severity": "info", "rule": "returns", "count": 3, "detail": "d"}])
    >>> quality_rows(q, "zh")[0]["发现或处理"]
    '金额为负的订单行为退货或取消，保留并冲减销售额'
    """
    rows = []
    for r in quality.to_dict("records"):
        kind = r["severity"] if r["severity"] in ("repair", "warning", "info") else "info"
        rule = f"rp_rule_{r['rule']}"
        row = {t("rp_col_table", lang): _table_label(r["table"], lang), t("rp_col_file", lang): r["file"],
               t("rp_col_kind", lang): t(f"rp_kind_{kind}", lang),
               t("rp_col_what", lang): t(rule if rule in LABELS else "rp_rule_other", lang), t("rp_col_count", lang): int(r["count"])}
        if lang == "en":
            row[t("rp_col_detail", lang)] = r.get("detail", "")
        rows.append(row)
    return rows


def quality_section(ws, lang: str) -> None:
    """What every step notebook opens with: one line of data-quality status linked to the report's appendix
    (:func:`quality_status`; the leadership page keeps only this), then, for the analyst only
    (:func:`analyst_only`), the input files and every repair or warning of the workspace in full."""
    from IPython.display import display

    quality = ws.quality_frame()
    display(_html(quality_status(quality, lang)))
    sources = pd.DataFrame(
        [{"table": s.table, "file": s.file, "rows": s.rows, "encoding": s.encoding or s.format} for s in ws.sources.values()]
    )
    shown = [note(t("rp_status_analyst", lang)), heading(t("data_quality", lang), 2),
             table(sources.rename(columns={c: t(c, lang) for c in ("table", "file", "rows", "encoding")}), caption=t("inputs", lang))]
    if quality.empty:
        shown.append(para(t("data_quality_clean", lang)))
    else:
        shown.append(para(quality_sentence(quality, lang)))
        sev = quality.assign(severity=quality["severity"].map(lambda s: t(s, lang) if s in ("repair", "warning") else t("rb_info", lang) if s == "info" else s))
        cols = ["table", "file", "severity", "rule", "count", "detail", "examples"]
        shown.append(table(sev[cols].rename(columns={c: t(c, lang) for c in cols})))
    analyst_only(*shown)


def show_charts_with_alt_text(lang: str) -> bool:
    """Give every matplotlib figure displayed in this kernel alt text: its title
    (:func:`salesnb.plots.figure_title`) in the report language, read by the leadership HTML's ``<img alt>``.
    Registered as an IPython mimebundle formatter (metadata only), so the inline backend's own PNG
    formatter is untouched. Returns False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    if shell is None:
        return False
    from matplotlib.figure import Figure

    from .plots import figure_title

    def metadata_only(fig, include=None, exclude=None):
        title = figure_title(fig)
        return {}, {"image/png": {"alt": title or t("rp_chart_untitled", lang)}}

    shell.display_formatter.mimebundle_formatter.for_type(Figure, metadata_only)
    return True


def quality_sentence(quality: pd.DataFrame, lang: str) -> str:
    """The sentence above the data-quality table, counted from the table it introduces (``severity``):
    "warnings need a look" only when it holds a warning.

    Examples
    --------
    >>> q = pd.DataFrame({"severity": ["repair", "info"]})
    >>> quality_sentence(q, "en")
    '2 notes on the input data: 1 repair applied as documented, 0 warnings, 1 for information.'
    >>> quality_sentence(pd.DataFrame({"severity": ["warning"]}), "en").endswith("The warnings need a look.")
    True
    """
    sev = quality["severity"].value_counts()
    text = t("data_quality_counts", lang, n=len(quality), repairs=int(sev.get("repair", 0)), warnings=int(sev.get("warning", 0)),
             infos=int(len(quality) - sev.get("repair", 0) - sev.get("warning", 0)))
    return text + (("" if lang == "zh" else " ") + t("data_quality_look", lang) if sev.get("warning", 0) else "")


ABSENT_TABLES = ("surveys", "nps", "dimensions", "complaints", "interviews", "actions")
"""What a workspace may lack, in the order the report names them: the surveys table, its 0–10 recommend
column (``nps``), its dimension columns, the complaints, interviews and action-register tables."""


def missing_tables(ws, dimension_keys=(), surveys: pd.DataFrame | None = None) -> list[str]:
    """The items of :data:`ABSENT_TABLES` the workspace ``ws`` lacks (``ws.has(table)``; ``surveys``, the
    surveys table, tells whether the ``nps`` and the ``dimension_keys`` columns are there).

    Examples
    --------
    >>> class Ws:
    ...     def has(self, table): return table in ("sales", "surveys")
    >>> missing_tables(Ws(), ["speed"], pd.DataFrame({"satisfaction": [4]}))
    ['nps', 'dimensions', 'complaints', 'interviews', 'actions']
    """
    out = []
    if not ws.has("surveys"):
        out.append("surveys")
    elif surveys is not None:
        if "nps" not in surveys or not surveys["nps"].notna().any():
            out.append("nps")
        if not any(d in surveys for d in dimension_keys):
            out.append("dimensions")
    out += [name for name in ("complaints", "interviews", "actions") if not ws.has(name)]
    return out


def absence_sentences(missing: list[str], step: str, lang: str) -> list[str]:
    """One sentence per missing item of a step (``diagnosis``, ``improve`` or ``summary``): what is missing
    and what it would add there (labels ``abs_<step>_<item>``; items without a label for the step are skipped).

    Examples
    --------
    >>> absence_sentences(["surveys", "complaints"], "summary", "en")[0][:30]
    'No survey data: NPS, satisfact'
    """
    return [t(f"abs_{step}_{m}", lang) for m in missing if f"abs_{step}_{m}" in LABELS]


def absence_note(missing: list[str], step: str, lang: str):
    """:func:`absence_sentences` as one note (None when nothing is missing)."""
    items = absence_sentences(missing, step, lang)
    if not items:
        return None
    return _html(f'<div class="snb-note"><b>{esc(t("abs_title", lang))}</b><ul>{"".join(f"<li>{esc(x)}</li>" for x in items)}</ul></div>')


def metric_table(values: Mapping[str, float | int | None], lang: str, unit: str, kinds: Mapping[str, str]):
    """A two-column table of named metrics, each formatted by its kind:
    ``money`` (in ``unit``), ``pct``, ``pct_signed``, ``int``, ``float1``, ``float2``."""
    fmt = {
        "money": lambda v: money(v, unit, lang),
        "pct": lambda v: pct(v, lang),
        "pct_signed": lambda v: pct(v, lang, signed=True),
        "int": lambda v: number(v, lang),
        "float1": lambda v: number(v, lang, 1),
        "float2": lambda v: number(v, lang, 2),
    }
    rows = [{t("metric", lang): t(k, lang), t("value", lang): fmt[kind](values.get(k))} for k, kind in kinds.items() if k in values]
    return table(pd.DataFrame(rows))


def nps_groups(nps: pd.DataFrame, group: str, lang: str, caption: str | None = None):
    """NPS per group as a table; groups below the minimum n read "too few answers"."""
    df = nps.reset_index()
    shown = pd.DataFrame({
        t(group, lang) if group in ("region", "respondent_type", "period") else group: df[group],
        t("nps", lang): [number(v, lang, 1) if ok else t("too_few", lang, n=n) if n else t("rb_no_answers", lang) for v, ok, n in zip(df["nps"], df["reliable"], df["n"])],
        t("nps_ci", lang): [f"{number(lo, lang, 1)} … {number(hi, lang, 1)}" if ok else "—" for lo, hi, ok in zip(df["ci_low"], df["ci_high"], df["reliable"])],
        t("promoters", lang): [pct(v, lang) for v in df["promoters"]],
        t("detractors", lang): [pct(v, lang) for v in df["detractors"]],
        t("n", lang): df["n"],
    })
    return table(shown, caption=caption)


def csat_groups(scores: pd.DataFrame, group: str, lang: str, caption: str | None = None):
    """Satisfaction (1–5) per group as a table — mean, top-2-box with its Wilson interval, n — from
    ``metrics.csat_table`` output; groups below the minimum n read "too few answers"."""
    df = scores.reset_index(drop=True)
    bands = [wilson_interval(p, n) for p, n in zip(df["top2"], df["n"])]
    shown = pd.DataFrame({
        t(group, lang) if group in ("region", "respondent_type", "period") else group: df[group],
        t("satisfaction_mean", lang): [number(v, lang, 2) if ok else t("too_few", lang, n=n) if n else t("rb_no_answers", lang)
                                       for v, ok, n in zip(df["mean"], df["reliable"], df["n"])],
        t("satisfaction_top2", lang): [pct(v, lang) if ok else "—" for v, ok in zip(df["top2"], df["reliable"])],
        t("csat_col_top2_ci", lang): [f"{pct(lo, lang)} … {pct(hi, lang)}" if ok else "—" for (lo, hi), ok in zip(bands, df["reliable"])],
        t("n", lang): df["n"],
    })
    return table(shown, caption=caption)


def survey_groups(answers: pd.DataFrame, group: str, lang: str, period, min_n: int = 30):
    """The survey outcome per ``group`` over ``answers``: NPS (:func:`nps_groups`) when the surveys ask
    the recommend question, else satisfaction (:func:`csat_groups`), captioned with ``period``."""
    if metrics.has_nps(answers):
        return nps_groups(metrics.nps_table(answers, group, min_n=min_n), group, lang, caption=t("chart_nps_region", lang, period=period))
    scores = metrics.csat_table(answers, ["satisfaction"], group, min_n)
    return csat_groups(scores, group, lang, caption=t("csat_chart_region", lang, period=period))


def definitions(texts: list[str], lang: str):
    """A "Definitions" note listing how the figures above were computed."""
    items = "".join(f"<li>{esc(x)}</li>" for x in texts)
    return _html(f'<div class="snb-note"><b>{esc(t("definition", lang))}</b><ul>{items}</ul></div>')


def money_formats(df: pd.DataFrame, unit: str, lang: str, share_columns: tuple[str, ...] = ("share",)) -> dict[str, Callable]:
    """Formatters for :func:`table`: numeric columns as money in ``unit``, ``share_columns`` as percentages."""
    out: dict[str, Callable] = {}
    for c in df.columns:
        if c in share_columns:
            out[c] = lambda v: pct(v, lang)
        elif pd.api.types.is_numeric_dtype(df[c]):
            out[c] = lambda v: money(v, unit, lang)
    return out


# --- HTML sanitising (report safety) ------------------------------------------

_DROP_WITH_CONTENT = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "template", "noembed", "noframes"})
_DROP_TAG = frozenset({"base", "meta", "link", "form", "input", "button", "textarea", "select", "option"})
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "lowsrc", "dynsrc", "ping", "srcset", "cite", "longdesc", "usemap"})


def _unsafe_url(value: str, tag: str, attr: str) -> bool:
    folded = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
    if folded.startswith(("javascript:", "vbscript:", "livescript:")):
        return True
    if folded.startswith("data:"):
        return not (tag == "img" and attr == "src" and folded.startswith(("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")))
    return False


def sanitize_html(markup: str) -> str:
    """Rebuild ``markup`` without anything that can run: ``<script>``/``<iframe>``/
    ``<object>`` … (with their content), ``on*`` event attributes,
    ``javascript:``/``data:`` URLs (embedded PNG/JPEG images excepted),
    ``srcdoc``, and CSS with ``expression(`` or ``javascript:``. Text is
    re-escaped; tables, styles and images are kept. The runner applies it to
    every HTML and Markdown output when it renders the leadership report.

    Examples
    --------
    >>> sanitize_html('<b onclick="x()">hi</b><script>alert(1)</script><a href="javascript:alert(1)">a</a>')
    '<b>hi</b><a>a</a>'
    """
    out: list[str] = []
    skip: list[str] = []  # open elements whose content is dropped

    class _Rebuild(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.in_style = False

        def _attrs(self, tag, attrs):
            kept = []
            for name, value in attrs:
                name = name.lower()
                value = "" if value is None else value
                if name.startswith("on") or name in ("srcdoc", "formaction") or (name in _URL_ATTRS and _unsafe_url(value, tag, name)):
                    continue
                if name == "style" and any(bad in value.lower().replace(" ", "") for bad in ("expression(", "javascript:", "url(")):
                    continue
                kept.append(f' {name}="{html.escape(value, quote=True)}"')
            return "".join(kept)

        def handle_starttag(self, tag, attrs):
            if skip:
                if tag in _DROP_WITH_CONTENT:
                    skip.append(tag)
                return
            if tag in _DROP_WITH_CONTENT:
                skip.append(tag)
                return
            if tag in _DROP_TAG:
                return
            self.in_style = tag == "style"
            out.append(f"<{tag}{self._attrs(tag, attrs)}>")

        def handle_startendtag(self, tag, attrs):
            if skip or tag in _DROP_WITH_CONTENT or tag in _DROP_TAG:
                return
            out.append(f"<{tag}{self._attrs(tag, attrs)}/>")

        def handle_endtag(self, tag):
            if skip:
                if tag == skip[-1]:
                    skip.pop()
                return
            if tag in _DROP_TAG or tag in _DROP_WITH_CONTENT:
                return
            self.in_style = False
            out.append(f"</{tag}>")

        def handle_data(self, data):
            if skip:
                return
            if self.in_style:
                lowered = data.lower().replace(" ", "")
                if not any(bad in lowered for bad in ("expression(", "javascript:", "@import", "</")):
                    out.append(data)
                return
            out.append(html.escape(data, quote=False))

    parser = _Rebuild()
    parser.feed(markup)
    parser.close()
    return "".join(out)



def bullets(items: list[str]):
    """A bulleted list of sentences; each is escaped."""
    return _html("<ul>" + "".join(f"<li>{esc(show_values(x))}</li>" for x in items) + "</ul>")
