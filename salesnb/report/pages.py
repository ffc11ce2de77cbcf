"""The report's own pages and their shared look: the summary page, the data-quality appendix, navigation, CSS.

Here: the list of pages (:data:`NOTEBOOKS`, :data:`PAGES`), the Content-Security-Policy and stylesheet every page
carries (:data:`CSP`, :data:`PAGE_CSS`), the navigation bar, ``report/index.html`` (:func:`write_index`, whose
summary text comes from :mod:`salesnb.summary`) and ``report/data_quality.html`` (:func:`write_quality_page`).
Not here: the step pages rendered from the executed notebooks (:mod:`salesnb.report.export`) and the run that
writes them all (:mod:`salesnb.report.run`).
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .._version import __version__
from ..config import value_labels
from ..i18n import t, use_value_labels
from ..io import Workspace
from ..periods import Period
from ..present import esc, quality_rows, quality_sentence, source_rows
from ..summary import PRINT_CSS, executive_summary
from ..webfont import embed_cjk_font

if TYPE_CHECKING:
    import pandas as pd

NOTEBOOKS = ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""Content-Security-Policy of every report page: no script, no network, inline styles and embedded images only."""

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


def _html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


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

    e = html.escape
    unit = ws.config.company.display_unit
    links = "".join(f'<li><a href="{name}.html">{e(_page_label(name, lang))}</a></li>' for name in PAGES if name != "index")
    partial = "" if complete else f"<p class=warn>{e(t('incomplete_period', lang, last=str(ws.table('sales')['order_date'].max().date()), period=str(period)))}</p>"
    dq = (f"<p>{e(t('data_quality', lang))}: {e(quality_sentence(quality, lang) if len(quality) else t('data_quality_clean', lang))}"
          f"{'' if lang == 'zh' else ' '}<a href=\"{QUALITY_PAGE}.html\">{e(t('rp_see_appendix', lang))}</a></p>")
    aside = sum(ws.quarantined().values())
    if aside:
        dq += f"<p class=note>{e(t('rb_quarantine', lang, n=aside))}</p>"
    dq += f"<p class=note>{e(t('rb_personal_data', lang))}</p>"
    generated = t("generated", lang, version=__version__, date=datetime.now().date().isoformat())
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
