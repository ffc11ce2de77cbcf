"""The next survey wave's instrument: the questionnaire, the platform import files and the mappings back.

Step 3 designs the sample (:func:`salesnb.survey.plan_next_wave`,
``sample_plan.csv``, ``contact_list.csv``); this module writes what is asked:

* the items (:func:`build_instrument`): consent, respondent-type screening
  (the sample plan's strata: buying / lost / prospect), the 0–10 recommend
  item (NPS), overall satisfaction 1–5, one 1–5 item per ``survey.dimensions``
  entry with a "not applicable" choice, two open questions and a hidden
  contact token. Each item has a **stable code** (``Q_NPS``,
  ``Q_DIM_QUALITY`` …) derived from its role or dimension key, never from
  its wording, so renaming a label keeps every column of the next wave's
  answers where it was;
* the printable questionnaire (HTML, A4) with the key-account interview
  guide (:func:`questionnaire_html`, :func:`interview_guide`);
* the platform files: Qualtrics Advanced Format TXT (:func:`qualtrics_txt`),
  问卷星 text import (:func:`wjx_txt`), a plain XLSX item table for any other
  tool (:func:`write_item_xlsx`);
* for each platform a mapping in the language of ``salesnb import``
  (docs/import.md) that turns the platform's answer export into the
  ``surveys`` table (:func:`answer_mapping`), applied to an existing
  workspace by :func:`import_wave`.

Examples
--------
>>> item_code("after_sales")
'Q_DIM_AFTER_SALES'
"""
from __future__ import annotations

import html
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import ingest
from ._version import __version__
from .config import WorkspaceConfig, load_config
from .errors import ConfigError, DataError, Problem
from .i18n import check_lang, t
from .io import load_workspace
from .webfont import embed_cjk_font

__all__ = [
    "PLATFORMS", "NA_CODE", "Choice", "Item", "Instrument", "item_code", "build_instrument", "item_table", "choice_table",
    "interview_guide", "questionnaire_html", "qualtrics_txt", "wjx_txt", "wjx_header", "write_item_xlsx", "write_answer_template", "answer_mapping", "mapping_yaml",
    "write_instrument", "import_wave", "WaveImport",
]

PLATFORMS = ("qualtrics", "wenjuanxing", "xlsx")
"""The answer routes a mapping is written for."""

NA_CODE = "9"
"""Code of "not applicable" in the XLSX route (the platforms code it as the choice after 5, i.e. 6)."""

STATUSES = ("customer", "lost", "prospect")
"""Screening choices in this order (buying, lost, prospect): :data:`salesnb.survey.FRAME_STATUSES`."""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
"""Content-Security-Policy of the printable questionnaire (the reports' policy: no script, no network)."""

TOKEN = "token"
"""Name of the hidden field (Qualtrics embedded data, 问卷星 custom parameter) carrying the contact token."""


@dataclass(frozen=True)
class Choice:
    """One answer choice.

    ``position`` is the choice's number on the platforms (1, 2, …: what
    Qualtrics and 问卷星 export as the answer), ``code`` what the XLSX route
    writes, ``value`` what lands in the ``surveys`` table (``""`` = blank,
    e.g. "not applicable").
    """

    position: int
    code: str
    value: str
    en: str
    zh: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Item:
    """One questionnaire item.

    ``kind`` is ``consent``, ``screen``, ``nps``, ``scale``, ``text`` or ``hidden``;
    ``column`` the ``surveys`` column it fills (None for consent).
    """

    code: str
    kind: str
    column: str | None
    en: str
    zh: str
    choices: tuple[Choice, ...] = ()
    scale_min: int | None = None
    scale_max: int | None = None
    na_code: str | None = None

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Instrument:
    """The questionnaire: its items in order and its title and introduction in both languages."""

    company: str
    title: dict[str, str]
    intro: dict[str, str]
    items: tuple[Item, ...]

    def item(self, code: str) -> Item:
        return next(i for i in self.items if i.code == code)

    @property
    def asked(self) -> tuple[Item, ...]:
        """The items a respondent sees (not the hidden token)."""
        return tuple(i for i in self.items if i.kind != "hidden")

    def dimension_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.code.startswith("Q_DIM_"))


def item_code(dimension_key: str) -> str:
    """The stable item code of a survey dimension: ``Q_DIM_`` + its key in capitals (never its label)."""
    return "Q_DIM_" + dimension_key.upper()


def _in_sentence(label: str, lang: str) -> str:
    """A dimension label inside an English sentence: "Product quality" → "product quality" (acronyms such as "ERP" stay)."""
    if lang == "en" and len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _labels(key: str, company: str, **fields) -> dict[str, str]:
    return {lg: t(key, lg, company=company, **fields) for lg in ("en", "zh")}


def _worded(default: dict[str, str], override, company: str, **fields) -> dict[str, str]:
    if override is None:
        return default
    out = dict(default)
    for lg in ("en", "zh"):
        text = getattr(override, lg)
        if text:
            out[lg] = text.replace("{company}", company).replace("{dimension}", fields.get("dimension_" + lg, ""))
    return out


def build_instrument(config: WorkspaceConfig, plan: pd.DataFrame | None = None) -> Instrument:
    """The next wave's items from ``workspace.yaml`` (and the sample plan's strata, when given).

    Parameters
    ----------
    config : WorkspaceConfig
        Its ``survey.dimensions`` (labels in both languages) and
        ``survey.questionnaire`` (wording overrides by item code).
    plan : DataFrame, optional
        ``sample_plan.csv`` (``status``, ``sample``): the screening offers the
        strata the plan samples (all three without a plan). A respondent
        outside them can still answer; the plan decides who is invited.

    Raises
    ------
    ValueError
        A wording override names an item code the questionnaire does not have.
    """
    company = config.company.name
    qs = config.survey.questionnaire
    over = qs.items
    scale = tuple(Choice(k, str(k), str(k), t(f"qn_scale_{k}", "en"), t(f"qn_scale_{k}", "zh")) for k in range(1, 6))
    na = Choice(6, NA_CODE, "", t("qn_na", "en"), t("qn_na", "zh"))
    statuses = list(STATUSES)
    if plan is not None and len(plan) and {"status", "sample"} <= set(plan.columns):
        sampled = set(plan.loc[pd.to_numeric(plan["sample"], errors="coerce").fillna(0) > 0, "status"].astype(str))
        statuses = [s for s in STATUSES if s in sampled] or statuses
    items: list[Item] = []

    def add(code: str, kind: str, column: str | None, key: str, choices=(), lo=None, hi=None, na_code=None, **fields) -> None:
        words = _worded(_labels(key, company, **{k: v for k, v in fields.items() if k == "dimension"}),
                        over.get(code), company, **fields)
        items.append(Item(code, kind, column, words["en"], words["zh"], tuple(choices), lo, hi, na_code))

    add("Q_CONSENT", "consent", None, "qn_consent",
        [Choice(1, "1", "yes", t("qn_consent_yes", "en"), t("qn_consent_yes", "zh")),
         Choice(2, "2", "no", t("qn_consent_no", "en"), t("qn_consent_no", "zh"))])
    add("Q_TYPE", "screen", "respondent_type", "qn_type",
        [Choice(i, s, s, t(f"qn_type_{s}", "en", company=company), t(f"qn_type_{s}", "zh", company=company))
         for i, s in enumerate(statuses, 1)])
    add("Q_NPS", "nps", "nps", "qn_nps", [Choice(k + 1, str(k), str(k), str(k), str(k)) for k in range(11)], 0, 10)
    add("Q_SAT", "scale", "satisfaction", "qn_sat", scale, 1, 5)
    for dim in config.survey.dimensions:
        code = item_code(dim.key)
        words = _worded({lg: t("qn_dim", lg, dimension=_in_sentence(getattr(dim, lg), lg)) for lg in ("en", "zh")}, over.get(code),
                        company, dimension_en=_in_sentence(dim.en, "en"), dimension_zh=dim.zh)
        items.append(Item(code, "scale", dim.key, words["en"], words["zh"], (*scale, na), 1, 5, NA_CODE))
    add("Q_IMPROVE", "text", "comment", "qn_improve")
    add("Q_SUPPORT", "text", "comment", "qn_support")
    items.append(Item("TOKEN", "hidden", "customer_id", t("qn_token", "en"), t("qn_token", "zh")))
    unknown = sorted(set(over) - {i.code for i in items})
    if unknown:
        raise ValueError(f"survey.questionnaire.items names item code(s) the questionnaire does not have: {', '.join(unknown)} "
                         f"(codes: {', '.join(i.code for i in items if i.kind != 'hidden')})")
    title = _worded(_labels("qn_title", company), qs.title, company)
    intro = _worded(_labels("qn_intro", company), qs.intro, company)
    return Instrument(company, title, intro, tuple(items))


# ----------------------------------------------------------------------------- tables

def item_table(instrument: Instrument) -> pd.DataFrame:
    """One row per item: code, type, surveys column, text (en, zh), scale min/max, choices with codes, not-applicable code.

    ``choices`` lists ``code=text`` pairs (English) separated by `` | ``; the
    full choice list in both languages is :func:`choice_table`.
    """
    rows = []
    for i, item in enumerate(instrument.items, 1):
        rows.append({"order": i, "code": item.code, "type": item.kind, "column": item.column or "", "text_en": item.en, "text_zh": item.zh,
                     "scale_min": item.scale_min, "scale_max": item.scale_max,
                     "choices": " | ".join(f"{c.code}={c.en}" for c in item.choices), "not_applicable_code": item.na_code or ""})
    out = pd.DataFrame(rows)
    for c in ("scale_min", "scale_max"):
        out[c] = out[c].astype("Int64")
    return out


def choice_table(instrument: Instrument) -> pd.DataFrame:
    """One row per choice: item code, platform position, XLSX code, surveys value (blank = not applicable), text en/zh."""
    rows = [{"code": item.code, "position": c.position, "answer_code": c.code, "value": c.value, "text_en": c.en, "text_zh": c.zh}
            for item in instrument.items for c in item.choices]
    return pd.DataFrame(rows, columns=["code", "position", "answer_code", "value", "text_en", "text_zh"])


# ----------------------------------------------------------------------------- the interview guide

def _read_diagnosis(diagnosis) -> tuple[dict | None, pd.DataFrame | None, pd.DataFrame | None]:
    """``diagnosis`` as (diagnosis.json record, dimension scores, themes): a path to diagnosis.json (its folder's
    dimension_scores.csv and themes.csv are read when present), a dict, or a dict of DataFrames."""
    if diagnosis is None:
        return None, None, None
    if isinstance(diagnosis, (str, Path)):
        path = Path(diagnosis)
        if path.is_dir():
            path = path / "diagnosis.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: diagnosis.json not found (give the run's artifacts/diagnosis.json)")
        record = json.loads(path.read_text(encoding="utf-8"))
        dims = pd.read_csv(path.parent / "dimension_scores.csv", encoding="utf-8-sig") if (path.parent / "dimension_scores.csv").is_file() else None
        themes = pd.read_csv(path.parent / "themes.csv", encoding="utf-8-sig") if (path.parent / "themes.csv").is_file() else None
        return record, dims, themes
    if isinstance(diagnosis, pd.DataFrame):
        return None, diagnosis if "mean" in diagnosis else None, diagnosis if "theme" in diagnosis else None
    if isinstance(diagnosis, dict):
        if "problems" in diagnosis:
            return diagnosis, None, None
        return diagnosis.get("record"), diagnosis.get("dimension_scores"), diagnosis.get("themes")
    raise TypeError(f"diagnosis must be a path to diagnosis.json, a dict or a DataFrame, not {type(diagnosis).__name__}")


def interview_guide(config: WorkspaceConfig, lang: str, diagnosis=None, top: int = 3) -> pd.DataFrame:
    """Topics of the key-account interviews: the diagnosed problems, the lowest dimensions, the top complaint themes.

    Parameters
    ----------
    diagnosis : path, dict or DataFrame, optional
        The run's ``artifacts/diagnosis.json`` (with ``dimension_scores.csv`` and
        ``themes.csv`` beside it), its parsed record, a dimension-score table
        (``dimension``, ``mean``) or a theme table (``theme``, ``mentions``).
        Without it the topics are the dimensions in questionnaire order.
    top : int
        Topics taken from each source.

    Returns
    -------
    DataFrame with ``source`` (``problem``, ``low_dimension``, ``theme``: from the
    diagnosis; ``dimension``: without one; ``closing``), ``topic``, ``why`` and
    ``ask`` (in ``lang``). Complaint themes are those of ``themes.csv``'s
    ``complaints`` source when it has any (else every source), with at least one mention.
    """
    lang = check_lang(lang)
    record, dims, themes = _read_diagnosis(diagnosis)
    labels = {d.key: getattr(d, lang) for d in config.survey.dimensions}
    theme_labels = {th.key: getattr(th, lang) for th in config.text.themes}
    rows = []
    if record is not None:
        for p in record.get("problems", [])[:top]:
            label = (p.get("label") or {}).get(lang) or p.get("type", "")
            rows.append({"source": "problem", "topic": t("qn_guide_problem", lang, label=label),
                         "why": (p.get("statement") or {}).get(lang, ""), "ask": t("qn_guide_ask_problem", lang)})
    if dims is not None and len(dims):
        d = dims.dropna(subset=["mean"])
        d = d.loc[d["dimension"].isin(labels)].sort_values(["mean", "dimension"], kind="mergesort").head(top)
        for r in d.itertuples():
            rows.append({"source": "low_dimension", "topic": t("qn_guide_dimension", lang, dimension=labels[r.dimension], mean=f"{r.mean:.2f}"),
                         "why": "", "ask": t("qn_guide_ask_dimension", lang, dimension=_in_sentence(labels[r.dimension], lang))})
    if themes is not None and len(themes):
        th = themes
        if "source" in th.columns and (th["source"] == "complaints").any():  # complaint themes first; else the main text source
            th = th.loc[th["source"] == "complaints"]
        th = th.loc[pd.to_numeric(th["mentions"], errors="coerce").fillna(0) > 0]
        th = th.sort_values(["mentions", "theme"], ascending=[False, True], kind="mergesort").head(top)
        for r in th.itertuples():
            rows.append({"source": "theme", "topic": t("qn_guide_theme", lang, theme=theme_labels.get(r.theme, r.theme), mentions=int(r.mentions)),
                         "why": "", "ask": t("qn_guide_ask_theme", lang)})
    if not rows:
        for label in labels.values():
            rows.append({"source": "dimension", "topic": t("qn_guide_dimension_plain", lang, dimension=label), "why": "",
                         "ask": t("qn_guide_ask_dimension", lang, dimension=_in_sentence(label, lang))})
    rows.append({"source": "closing", "topic": t("qn_guide_close", lang), "why": "", "ask": ""})
    return pd.DataFrame(rows, columns=["source", "topic", "why", "ask"])


# ----------------------------------------------------------------------------- the printable questionnaire

_CSS = """
@page { size: A4; margin: 16mm 15mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei", "Helvetica Neue", Arial, sans-serif;
       font-size: 11pt; line-height: 1.45; color: #111; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 14pt 0 4pt; page-break-before: always; }
.meta { font-size: 9pt; color: #444; } .fields td { padding: 2pt 8pt 2pt 0; }
.item { page-break-inside: avoid; break-inside: avoid; margin: 9pt 0; }
.code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 8.5pt; color: #555; }
.choices { margin: 3pt 0 0 14pt; padding: 0; list-style: none; } .choices li { margin: 1pt 0; }
.choices.row li { display: inline-block; margin-right: 9pt; }
.box { display: inline-block; width: 9pt; height: 9pt; border: 1px solid #333; margin-right: 4pt; vertical-align: -1pt; }
.lines { border-bottom: 1px solid #999; height: 16pt; } table.guide { border-collapse: collapse; width: 100%; }
table.guide th, table.guide td { border: 1px solid #999; padding: 3pt 5pt; vertical-align: top; text-align: left; font-size: 10pt; }
@media print { .noprint { display: none; } }
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def questionnaire_html(instrument: Instrument, lang: str, guide: pd.DataFrame | None = None, period: str | None = None,
                       embed_font: bool = True) -> str:
    """The printable questionnaire for phone interviewers (A4), followed by the key-account interview guide.

    Every text (item wording, labels from workspace.yaml, the diagnosis'
    statements) is HTML-escaped; the page carries the reports' content
    security policy (no script, no network) and, like the reports, the CJK
    glyphs it uses as an embedded font (:func:`salesnb.webfont.embed_cjk_font`),
    so Chinese prints on a machine without a Chinese font.
    """
    lang = check_lang(lang)
    out = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           f"<title>{_e(instrument.title[lang])}</title><style>{_CSS}</style></head><body>",
           f"<h1>{_e(instrument.title[lang])}</h1><p class=\"meta\">{_e(t('qn_html_for', lang))}</p>",
           '<table class="fields"><tr>' + "".join(f"<td>{_e(t(k, lang))}: ______________</td>"
                                                  for k in ("qn_html_respondent", "qn_html_interviewer", "qn_html_date")) + "</tr></table>",
           f"<p>{_e(instrument.intro[lang])}</p>"]
    for n, item in enumerate(instrument.asked, 1):
        out.append(f'<div class="item"><div><b>{n}.</b> {_e(item.text(lang))} <span class="code">[{_e(item.code)}]</span></div>')
        if item.choices:
            row = " row" if item.kind == "nps" else ""
            out.append(f'<ul class="choices{row}">' + "".join(
                f'<li><span class="box"></span>{_e(c.text(lang))}</li>' for c in item.choices) + "</ul>")
        else:
            out.append(f'<div class="meta">{_e(t("qn_html_open", lang))}</div>' + '<div class="lines"></div>' * 3)
        out.append("</div>")
    if guide is not None:
        out.append(f"<h2>{_e(t('qn_guide_title', lang))}</h2><p>{_e(t('qn_guide_intro', lang))}</p>")
        has_diag = bool(guide["source"].isin(["problem", "low_dimension", "theme"]).any())
        if period and has_diag:
            out.append(f'<p class="meta">{_e(t("qn_guide_source", lang, period=period))}</p>')
        elif not has_diag:
            out.append(f'<p class="meta">{_e(t("qn_guide_none", lang))}</p>')
        out.append('<table class="guide"><tr>' + "".join(f"<th>{_e(t(k, lang))}</th>" for k in ("qn_col_topic", "qn_col_why", "qn_col_ask"))
                   + "</tr>")
        for r in guide.itertuples():
            out.append(f"<tr><td>{_e(r.topic)}</td><td>{_e(r.why)}</td><td>{_e(r.ask)}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    page = "\n".join(out)
    if embed_font:
        page = embed_cjk_font(page)
    return page


# ----------------------------------------------------------------------------- platform files

def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def qualtrics_txt(instrument: Instrument, lang: str) -> str:
    """The questionnaire in Qualtrics' Advanced Format TXT (Survey → Tools → Import/Export → Import Survey).

    Tags as documented ("Preparing an Advanced Format TXT file"): ``[[AdvancedFormat]]``
    first, ``[[Block:…]]``, ``[[Question:MC:SingleAnswer:Vertical]]`` /
    ``…:Horizontal`` with ``[[Choices]]``, ``[[Question:TE:Essay]]``,
    ``[[Question:DB]]`` for the introduction, ``[[ID:…]]`` for the item code and
    ``[[PageBreak]]``. The hidden token is not a question: it is the embedded
    data field ``token`` set in the Survey Flow (docs/survey-wave.md).
    """
    lang = check_lang(lang)
    out = ["[[AdvancedFormat]]", "", f"[[Block:{_one_line(instrument.title[lang])}]]", "",
           "[[Question:DB]]", "[[ID:INTRO]]", _one_line(instrument.intro[lang]), ""]
    for item in instrument.asked:
        if item.kind == "text":
            out += ["[[Question:TE:Essay]]", f"[[ID:{item.code}]]", _one_line(item.text(lang)), ""]
            continue
        layout = "Horizontal" if item.kind == "nps" else "Vertical"
        out += [f"[[Question:MC:SingleAnswer:{layout}]]", f"[[ID:{item.code}]]", _one_line(item.text(lang)), "", "[[Choices]]"]
        out += [_one_line(c.text(lang)) for c in item.choices]
        out.append("")
        if item.kind in ("consent", "screen"):
            out += ["[[PageBreak]]", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def wjx_header(n: int, item: Item, lang: str) -> str:
    """The column header 问卷星 writes for question ``n`` in its answer export: ``n、question text``."""
    return f"{n}、{_one_line(item.text(lang))}"


def wjx_txt(instrument: Instrument, lang: str) -> str:
    """The questionnaire in 问卷星's text-import layout (创建问卷 → 文本导入).

    First line the title, then the description; each question is
    ``n.text[题型]`` followed by one choice per line, a blank line between
    questions. The layout follows 问卷星's text-import help as described in
    docs/survey-wave.md (no stored copy of that page: see there what is assumed).
    """
    lang = check_lang(lang)
    out = [_one_line(instrument.title[lang]), _one_line(instrument.intro[lang]), ""]
    for n, item in enumerate(instrument.asked, 1):
        kind = "[填空题]" if item.kind == "text" else "[单选题]"
        out.append(f"{n}.{_one_line(item.text(lang))}{kind}")
        out += [_one_line(c.text(lang)) for c in item.choices]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def write_item_xlsx(instrument: Instrument, path: str | Path) -> Path:
    """The plain item table for any other tool (金数据, SurveyMonkey, 腾讯问卷): sheets ``items`` (:func:`item_table`)
    and ``choices`` (:func:`choice_table`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        item_table(instrument).to_excel(xl, sheet_name="items", index=False)
        choice_table(instrument).to_excel(xl, sheet_name="choices", index=False)
    return path


def write_answer_template(instrument: Instrument, path: str | Path) -> Path:
    """An empty answer sheet whose headers are what the XLSX route's mapping reads: ``RESPONSE_ID``,
    ``SUBMITTED``, the item codes, ``TOKEN``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(columns=_xlsx_headers(instrument)).to_excel(xl, sheet_name="answers", index=False)
    return path


def _xlsx_headers(instrument: Instrument) -> list[str]:
    return ["RESPONSE_ID", "SUBMITTED", *[i.code for i in instrument.asked], "TOKEN"]


# ----------------------------------------------------------------------------- mappings back

def _choice_map(item: Item, by: str) -> dict[str, str]:
    return {(str(c.position) if by == "position" else c.code): c.value for c in item.choices}


def answer_mapping(instrument: Instrument, platform: str, lang: str = "zh", wave: str | None = None) -> dict:
    """The mapping (docs/import.md's language) from a platform's answer export to the ``surveys`` table.

    Parameters
    ----------
    platform : {"qualtrics", "wenjuanxing", "xlsx"}
        ``qualtrics``: the CSV export with numeric values (choice numbers; its
        second and third header rows are set aside); ``wenjuanxing``: the
        export "按选项序号" with ``n、question text`` headers of the questionnaire
        in ``lang``; ``xlsx``: a sheet with the item codes as headers and the
        item table's answer codes.
    wave : str, optional
        Put before response ids that are only numbered within one export (问卷星's
        序号, the XLSX route's RESPONSE_ID) so that waves do not collide.

    Choice numbers become the contract's values: the 0–10 item's choices 1–11
    become 0–10, "not applicable" becomes blank, the screening choice its
    respondent type. Answers of respondents who declined consent, and rows
    without a screening answer, are set aside (counted, listed).
    """
    if platform not in PLATFORMS:
        raise ValueError(f"platform {platform!r} must be one of {', '.join(PLATFORMS)}")
    lang = check_lang(lang)
    asked = instrument.asked
    by = "code" if platform == "xlsx" else "position"
    if platform == "qualtrics":
        header = {i.code: i.code for i in asked}
        header["TOKEN"], rid, date = TOKEN, "ResponseId", "RecordedDate"
    elif platform == "wenjuanxing":
        header = {i.code: wjx_header(n, i, lang) for n, i in enumerate(asked, 1)}
        header["TOKEN"], rid, date = "自定义字段", "序号", "提交答卷时间"
    else:
        header = {i.code: i.code for i in asked}
        header["TOKEN"], rid, date = "TOKEN", "RESPONSE_ID", "SUBMITTED"
    prefix = {"qualtrics": None, "wenjuanxing": f"WJX-{wave}-" if wave else "WJX-", "xlsx": f"{wave}-" if wave else None}[platform]
    cols: dict[str, Any] = {"response_id": {"column": rid, **({"prefix": prefix} if prefix else {})},
                            "survey_date": date}
    consent = instrument.item("Q_CONSENT")
    no = next(str(c.position) if by == "position" else c.code for c in consent.choices if c.value == "no")
    for item in asked:
        if item.column is None or item.kind == "text":
            continue
        cols[item.column] = {"column": header[item.code], "map": _choice_map(item, by)}
    texts = [header[i.code] for i in asked if i.kind == "text"]
    cols["comment"] = {"join": texts, "sep": " | "}
    cols["customer_id"] = header["TOKEN"]
    if platform != "xlsx":
        cols["channel"] = {"value": "online"}
    set_aside = []
    if platform == "qualtrics":
        set_aside.append({"reason": "Qualtrics header rows (question text, ImportId)",
                          "when": {"any": [{"equals": {rid: "Response ID"}}, {"startswith": {rid: '{"ImportId"'}}]}})
    set_aside += [{"reason": "declined consent", "when": {"equals": {header["Q_CONSENT"]: no}}},
                  {"reason": "screening question not answered", "when": {"blank": header["Q_TYPE"]}}]
    out: dict[str, Any] = {"set_aside": set_aside}
    out["tables"] = {"surveys": {"columns": cols}}
    return out


def mapping_yaml(mapping: dict, platform: str, lang: str) -> str:
    """The mapping as YAML text with a header comment saying what it reads (every value quoted: export values stay text)."""
    head = {
        "qualtrics": "Qualtrics: Data & Analysis → Export data → CSV, 'Use numeric values' (choice numbers), all rows.",
        "wenjuanxing": f"问卷星: 下载答卷数据 → 按选项序号下载 (Excel or CSV); headers '1、…' of the {lang} questionnaire.",
        "xlsx": "Any other tool: an export (CSV or the first sheet of an XLSX) with the headers of answers_template.xlsx (RESPONSE_ID, "
                "SUBMITTED, the item codes, TOKEN) and the answer codes of items.xlsx.",
    }[platform]
    body = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False, default_style=None, width=200)
    return (f"# Answers of the next survey wave → the surveys table (salesnb questionnaire; docs/survey-wave.md)\n# {head}\n"
            "# Apply with: salesnb questionnaire WORKSPACE --answers EXPORT --mapping THIS_FILE --out NEW_WORKSPACE\n" + body)


# ----------------------------------------------------------------------------- writing everything

def write_instrument(folder: str | Path, ws_config: WorkspaceConfig, lang: str, diagnosis=None, plan: pd.DataFrame | str | Path | None = None,
                     period: str | None = None, wave: str | None = None) -> list[Path]:
    """Write the questionnaire, the platform files and the mappings under ``folder``.

    Files: ``questionnaire_<lang>.html`` (with the interview guide),
    ``items.xlsx``, ``qualtrics/survey_<lang>.txt`` + ``qualtrics/import.yaml``,
    ``wenjuanxing/survey_<lang>.txt`` + ``wenjuanxing/import.yaml``,
    ``xlsx/answers_template.xlsx`` + ``xlsx/import.yaml``.

    ``diagnosis`` is what :func:`interview_guide` takes (a run's
    ``artifacts/diagnosis.json``); ``plan`` the sample plan (a DataFrame or the
    path of ``sample_plan.csv``); ``period`` is named in the guide; ``wave``
    prefixes per-export response numbers in the mappings.

    Returns
    -------
    list of Path
        The files written, in that order.
    """
    lang = check_lang(lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(plan, (str, Path)):
        plan = pd.read_csv(plan, encoding="utf-8-sig", dtype={"region": str, "status": str})
    inst = build_instrument(ws_config, plan)
    guide = interview_guide(ws_config, lang, diagnosis)
    record = _read_diagnosis(diagnosis)[0]
    written = []

    def put(rel: str, text: str) -> None:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    put(f"questionnaire_{lang}.html", questionnaire_html(inst, lang, guide, period or (record or {}).get("period")))
    written.append(write_item_xlsx(inst, folder / "items.xlsx"))
    put(f"qualtrics/survey_{lang}.txt", qualtrics_txt(inst, lang))
    put("qualtrics/import.yaml", mapping_yaml(answer_mapping(inst, "qualtrics", lang, wave), "qualtrics", lang))
    put(f"wenjuanxing/survey_{lang}.txt", wjx_txt(inst, lang))
    put("wenjuanxing/import.yaml", mapping_yaml(answer_mapping(inst, "wenjuanxing", lang, wave), "wenjuanxing", lang))
    written.append(write_answer_template(inst, folder / "xlsx" / "answers_template.xlsx"))
    put("xlsx/import.yaml", mapping_yaml(answer_mapping(inst, "xlsx", lang, wave), "xlsx", lang))
    return written


# ----------------------------------------------------------------------------- the answers back in

@dataclass(frozen=True)
class WaveImport:
    """What :func:`import_wave` did: the new workspace, the wave's rows, counts per set-aside reason, earlier answers kept."""

    workspace: Path
    rows: int
    set_aside: dict[str, int]
    earlier: int
    notes: tuple


def _wave_mapping(path: Path, dimensions: tuple[str, ...]):
    """Parse and check a wave mapping (``surveys`` only; ``source``, ``set_aside``) with ``salesnb import``'s rules."""
    if not path.is_file():
        raise ConfigError([Problem(path.name, None, None, str(path), "mapping file not found")])
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    problems = []
    if not isinstance(data, dict):
        raise ConfigError([Problem(path.name, None, "(top level)", None, "must be a mapping with source, set_aside, tables")])
    for key in data:
        if key not in ("source", "set_aside", "tables", "workspace"):
            problems.append(Problem(path.name, None, str(key), None, "unknown key (source, set_aside, tables)"))
    tables = data.get("tables") if isinstance(data.get("tables"), dict) else {}
    if set(tables) != {"surveys"}:
        problems.append(Problem(path.name, None, "tables", str(list(tables)), "a wave mapping has exactly one table: surveys"))
    else:
        problems += ingest._table_problems("surveys", tables["surveys"], path.name, dimensions)
    rules = data.get("set_aside") or []
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict) or set(rule) != {"reason", "when"}:
            problems.append(Problem(path.name, None, f"set_aside.{i}", None, "must have exactly reason and when"))
        else:
            problems += ingest._condition_problems(rule["when"], f"set_aside.{i}.when", path.name)
    source = data.get("source") or {}
    if problems:
        raise ConfigError(problems, f"{len(problems)} problem(s) in {path.name}")
    return ingest.Mapping(workspace="workspace.yaml", tables=tables, set_aside=list(rules), source=dict(source),
                          folder=path.resolve().parent, file=path.name, dimensions=dimensions)


def _apply_set_aside(d, rules: list, rows: pd.Index) -> tuple[pd.Index, dict[str, int], list[pd.DataFrame]]:
    """The export lines left after the mapping's ``set_aside`` rules, in order; the count per reason; the lines each rule set aside."""
    aside: dict[str, int] = {}
    aside_parts = []
    for rule in rules:
        hit = d.condition(rule["when"], rows)
        aside[rule["reason"]] = aside.get(rule["reason"], 0) + int(hit.sum())
        if hit.any():
            aside_parts.append(pd.DataFrame({"export_line": rows[hit.to_numpy()], "set_aside_reason": rule["reason"]}))
        rows = rows[~hit.to_numpy()]
    return rows, aside, aside_parts


def _earlier_answers(workspace: Path, keep_earlier: bool) -> pd.DataFrame:
    """``workspace``'s surveys as the reader returns them, dates written as ``YYYY-MM-DD`` (empty without them or ``keep_earlier``)."""
    earlier = pd.DataFrame()
    base = load_workspace(workspace) if keep_earlier else None
    if base is not None and base.tables.get("surveys") is not None:
        earlier = base.tables["surveys"]
        earlier = earlier.copy()
        for c in earlier.columns:
            if pd.api.types.is_datetime64_any_dtype(earlier[c]):
                earlier[c] = earlier[c].dt.strftime("%Y-%m-%d")
    return earlier


def _write_surveys(workspace: Path, staging: Path, combined: pd.DataFrame) -> None:
    """``surveys_wave.csv`` into ``staging``, and its ``workspace.yaml`` reading it (``checks.scales`` left out, said in a comment)."""
    data = yaml.safe_load((workspace / "workspace.yaml").read_text(encoding="utf-8"))
    name = "surveys_wave.csv"
    data.setdefault("tables", {})["surveys"] = {"file": name}
    scales = (data.get("checks") or {}).pop("scales", None)  # surveys_wave.csv is on the contract's scales already
    combined.to_csv(staging / name, index=False, encoding="utf-8")
    (staging / "workspace.yaml").write_text(
        "# written by salesnb questionnaire --answers: the workspace's files with the new wave's answers as surveys\n"
        + (f"# checks.scales left out (surveys_wave.csv is on the contract's scales; it was: {json.dumps(scales, ensure_ascii=False, default=str)})\n"
           if scales else "")
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _write_import_folder(staging: Path, mapping: Path, frame: pd.DataFrame, origin: pd.Index, earlier: pd.DataFrame,
                         combined: pd.DataFrame, aside_parts: list[pd.DataFrame]) -> Path:
    """``import/`` in ``staging``: each written row's export line, a copy of the mapping, the lines set aside; returns the folder."""
    meta = staging / "import"
    meta.mkdir(exist_ok=True)
    pd.DataFrame({"line": range(len(earlier) + 2, len(combined) + 2), "export_line": origin.to_numpy()}).to_csv(
        meta / "surveys_lines.csv", index=False)
    shutil.copyfile(mapping, meta / mapping.name)
    if aside_parts:
        listed = pd.concat(aside_parts, ignore_index=True)
        listed.join(frame, on="export_line", suffixes=("", " (export)")).to_csv(meta / "set_aside.csv", index=False, encoding="utf-8")
    return meta


def _wave_info(export: Path, mapping: Path, workspace: Path, counts: dict, notes: tuple) -> dict:
    """``import/wave.json``: the export's and the mapping's paths and sha256, the counts and the surveys' data-quality notes."""
    return {"export": str(export.resolve()), "export_sha256": ingest._sha256(export), "mapping": str(mapping.resolve()),
            "mapping_sha256": ingest._sha256(mapping), "workspace": str(workspace.resolve()),
            "counts": counts, "notes": [n.as_row() for n in notes if n.table == "surveys"], "salesnb": __version__}


def import_wave(export: str | Path, mapping: str | Path, workspace: str | Path, out: str | Path, keep_earlier: bool = True) -> WaveImport:
    """A new workspace: ``workspace``'s files with the wave's answers as its ``surveys`` table, validated.

    ``salesnb import`` builds a whole workspace from one export and needs its
    sales and customers; a survey wave's export only has answers. This
    applies a wave mapping (the ``surveys`` part of the import.yaml language:
    ``source``, ``set_aside``, ``tables.surveys``) with ``salesnb import``'s
    reader and derivations, writes ``surveys.csv`` (the earlier answers of
    ``workspace``, as read, followed by the wave's unless ``keep_earlier`` is
    False) into a copy of ``workspace`` at ``out`` (with ``import/wave.json``: the
    export's and the mapping's paths and sha256, the counts and the surveys'
    data-quality notes; ``import/surveys_lines.csv``: the export line of each
    written row; ``import/set_aside.csv``: each set-aside export line with its
    reason and values; a copy of the mapping) and validates it with
    :func:`salesnb.io.load_workspace`. The earlier answers are written as the
    workspace reader returns them (repairs applied, scales converted, personal
    data in comments masked), so the new ``workspace.yaml`` leaves
    ``checks.scales`` out (its comments are not kept: it is rewritten). ``out`` must not exist; nothing is
    written on an error.

    Raises
    ------
    ConfigError, DataError
        A broken mapping; an export lacking a column the mapping reads (e.g. a
        configured dimension's item: the message names it and lists the
        export's header); values a map does not list (line, column, value);
        rows the contract rejects.
    """
    workspace, out, export = Path(workspace), Path(out), Path(export)
    if out.exists():
        raise FileExistsError(f"{out} exists: the wave is imported into a new workspace (choose another folder)")
    cfg = load_config(workspace / "workspace.yaml")
    m = _wave_mapping(Path(mapping), tuple(d.key for d in cfg.survey.dimensions))
    frame, file, read_notes, _enc = ingest._read_export(export, m)
    d = ingest._Deriver(frame, file, m)
    rows, aside, aside_parts = _apply_set_aside(d, m.set_aside, frame.index)
    d.rows = rows
    wave, origin = ingest._derive_table("surveys", m.tables["surveys"], d, rows, None, {})
    if d.problems:
        raise DataError(d.problems, f"{len(d.problems)} problem(s) deriving the surveys from {file}")
    if not len(wave):
        raise DataError([Problem(file, None, None, None, f"no answers left to import ({len(frame)} export lines; set aside: {aside or 'none'})")])
    earlier = _earlier_answers(workspace, keep_earlier)
    wave = ingest._format_numbers(wave)
    combined = pd.concat([ingest._format_numbers(earlier), wave], ignore_index=True) if len(earlier) else wave
    staging = out.with_name(f".{out.name}.wave-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(workspace, staging)
    try:
        _write_surveys(workspace, staging, combined)
        meta = _write_import_folder(staging, Path(mapping), frame, origin, earlier, combined, aside_parts)
        ws = load_workspace(staging)
        notes = tuple(read_notes) + tuple(ws.notes)
        counts = {"lines": int(len(frame)), "set_aside": aside, "surveys": int(len(wave)), "earlier": int(len(earlier))}
        info = _wave_info(export, Path(mapping), workspace, counts, notes)
        (meta / "wave.json").write_text(json.dumps(info, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WaveImport(out, int(len(wave)), aside, int(len(earlier)), notes)
