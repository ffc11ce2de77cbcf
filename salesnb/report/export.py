"""A step's leadership HTML page from its executed notebook, and notebooks stripped for committing.

Here: :func:`export_html` (nbconvert's "lab" template without any script, outputs sanitised, analyst-only cells,
widgets and stderr left out: :func:`leadership_outputs`) and :func:`strip_outputs`. Not here: the page list,
navigation and stylesheet the pages share (:mod:`salesnb.report.pages`) and the run that calls the export
(:mod:`salesnb.report.schedule`).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..i18n import t
from ..present import sanitize_html
from ..webfont import embed_cjk_font
from .pages import CSP, PAGE_CSS, _footer_nav, _html_lang

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
    import nbformat  # imported where used: `salesnb run`'s own process needs them only to quote a failed notebook
    from jinja2 import DictLoader
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
