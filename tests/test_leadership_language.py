"""Leadership language (issue 16): the report pages a CEO reads carry no configuration keys, no snake_case
ids, no ``key=value`` filters, no "(s)" plurals, no negative zero, no "n/a"/无 for a missing value, no
unit-less amounts and, in English, no Chinese words mixed into sentences other than the data's own values.

Unit tests of the helpers (:func:`salesnb.i18n.plural`, :func:`count`, the number formats) use values worked
out by hand; the page scan reads every leadership page of the shared ``sample_reports`` fixture (2025Q4 in
English and in Chinese) — no new runs."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from salesnb import goals
from salesnb.breakdown import budget_item_label, channel_label, serves_label
from salesnb.i18n import MISSING, count, fix_plurals, money, number, pct, plural, t

from conftest import SAMPLE

# ------------------------------------------------------------------ helpers


def test_plural_and_count_follow_the_number():
    assert [plural(n, "customer") for n in (0, 1, 2)] == ["customers", "customer", "customers"]
    assert count(1345, "customer") == "1,345 customers" and count(1, "action") == "1 action"
    assert count(3, "new_action", "zh") == "3 项新增措施"
    assert fix_plurals("1 note(s) and 12 warning(s); 1,000 row(s)") == "1 note and 12 warnings; 1,000 rows"
    assert t("data_quality_counts", "en", n=1, repairs=1, warnings=2, infos=0).startswith("1 note on the input data: 1 repair applied")


def test_one_number_format_per_kind_and_no_negative_zero():
    assert number(1345, "en") == "1,345" and number(1345.678, "zh", 1) == "1,345.7"
    assert pct(-0.0004, "en") == "0.0%" and pct(-0.0004, "en", signed=True) == "+0.0%" and pct(-0.004, "en") == "-0.4%"
    assert number(-0.004, "en", 2) == "0.00" and number(-0.006, "en", 2) == "-0.01"
    assert pct(12.3456, "en") == "1,234.6%"  # thousands separated like every other number
    assert money(-1, "万元", "zh") == "0.0 万元"  # −0.0001 万元 rounds to zero
    assert money(6_500_000, "万元", "en") == "6.50 million CNY" and money(6_500_000, "万元", "zh") == "650.0 万元"
    assert {pct(None), number(float("nan"), "zh"), money(None, "元", "zh")} == {MISSING} == {"—"}


def test_goal_serves_and_budget_labels_read_as_words():
    assert goals.goal_label("nps", "company", "en") == "NPS · Company"
    assert goals.goal_label("satisfaction_mean", "region=西南", "zh") == "满意度（1–5 分均值） · 西南"
    assert goals.BENCHMARK_GOAL_IDS == {"nps": "B-NPS", "satisfaction_mean": "B-CSAT"}
    assert serves_label("customer_type=new", "en") == "new customers" and serves_label("tier=at_risk", "en") == "at-risk customers"
    assert serves_label({"region": "华南", "tier": "vip"}, "zh") == "华南、VIP客户"
    assert channel_label("trade_show", "en") == "trade show" and channel_label(None, "en") == ""
    assert budget_item_label("partner_commission", "zh") == "渠道佣金" and budget_item_label("my_line", "en") == "my line"


# ------------------------------------------------------------------ the page scan

class _Text(HTMLParser):
    """Visible text nodes of a page (no style, script, code), with the tag they sit in."""

    SKIP = {"style", "script", "code", "head", "title"}
    VOID = {"br", "img", "meta", "link", "hr", "input", "col", "wbr", "source"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.items: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if data.strip() and not any(t in self.SKIP for t in self.stack):
            self.items.append((self.stack[-1] if self.stack else "", " ".join(data.split())))


def texts(path: Path) -> list[tuple[str, str]]:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.items


_SECTIONS = ("planning", "breakdown", "budget", "tiers", "goals", "survey", "thresholds", "diagnosis", "improve", "checks",
             "bottlenecks", "retention", "company", "calendar", "tables", "labels", "measures", "action_plan", "benchmarks", "themes")
UNITS = r"(?:CNY|RMB|元|万元|千元|百万元|million|thousand|10k|USD|EUR|\$|¥|€)"
RULES = {
    "config key": re.compile(rf"\b(?:{'|'.join(_SECTIONS)})\.[a-z_]+\b|workspace\.yaml"),
    "snake_case id": re.compile(r"(?<![\w./])[a-z][a-z0-9]*_[a-z0-9_]+\b(?!\.(?:csv|xlsx|json|ipynb|html))"),
    "raw metric id": re.compile(r"\bnps\b|·\s*company\b"),  # nps · company: a metric and scope as the code names them
    "key=value": re.compile(r"(?<![\w])(?!n=|p=)[A-Za-z_]\w*=\S"),
    "(s) plural": re.compile(r"\w\(s\)"),
    "negative zero": re.compile(r"[-−]0(?:[.,]0+)?(?![\d.,]*[1-9])(?!\d)(?![\d-])"),
    "n/a": re.compile(r"(?<![\w/])n/a(?![\w/])", re.I),
}
#: An amount of a million or more with words around it but no currency unit (a bare number in a table cell
#: takes its unit from the column header).
AMOUNT = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:,\d{{3}}){{2,}}(?:\.\d+)?(?!\s*{UNITS})")
CJK = re.compile(r"[\u4e00-\u9fff]+")
QUOTED = re.compile(r"“[^”]*”|「[^」]*」")
APPENDIX = "data_quality.html"  # the input notes (file columns, rule ids) for the analyst: only the number rules apply


def _data_values(workspace: Path) -> list[str]:
    """Chinese text the company wrote itself: values of its tables and of workspace.yaml (not its zh labels)."""
    from salesnb.io import load_workspace

    ws = load_workspace(workspace)
    found: set[str] = set()
    for frame in ws.tables.values():
        for col in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[col]):
                found.update(v for v in frame[col].dropna().astype(str).unique() if CJK.search(v))

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if CJK.search(str(k)):
                    found.add(str(k))
                if k != "zh" and not str(k).endswith("_zh"):
                    walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and CJK.search(node):
            found.add(node)
            found.update(part.strip() for part in re.split(r"[/、,，]", node) if CJK.search(part))

    walk(yaml.safe_load((workspace / "workspace.yaml").read_text(encoding="utf-8")))
    return sorted(found, key=len, reverse=True)


def findings(page: Path, lang: str, values: list[str]) -> list[str]:
    """Every forbidden pattern on one page, as 'page: rule: match in text'."""
    out = []
    data = re.compile("|".join(re.escape(v) for v in values)) if values else None
    for _tag, text in texts(page):
        rules = RULES if page.name != APPENDIX else {k: RULES[k] for k in ("negative zero", "n/a")}
        for name, rx in rules.items():
            out += [f"{page.name}: {name}: {m.group(0)!r} in {text[:160]!r}" for m in rx.finditer(text)]
        if lang == "zh" and page.name != APPENDIX and (text == "无" or text.startswith("无（")):
            out.append(f"{page.name}: 无 for a missing value: {text[:160]!r}")
        if page.name != APPENDIX and re.search(r"[A-Za-z\u4e00-\u9fff]", text):
            out += [f"{page.name}: amount without unit: {m.group(0)!r} in {text[:160]!r}" for m in AMOUNT.finditer(text)]
        if lang == "en" and page.name != APPENDIX:
            rest = QUOTED.sub(" ", data.sub(" ", text) if data is not None else text)  # customers' words, quoted, are data
            # a sentence (two English words or more) with Chinese left once the data's own values are taken out
            if CJK.search(rest) and len(re.findall(r"[A-Za-z]{2,}", rest)) >= 2:
                out.append(f"{page.name}: Chinese in English prose: {CJK.findall(rest)} in {text[:160]!r}")
    return out


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_leadership_pages_speak_plainly(sample_reports, lang):
    pages = sample_reports.pages(lang)
    assert {"index.html", "01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html"} <= set(pages)
    values = _data_values(SAMPLE)
    found = [f for page in pages.values() for f in findings(page, lang, values)]
    assert not found, f"{len(found)} finding(s):\n" + "\n".join(dict.fromkeys(found))


def test_the_scan_catches_each_defect(tmp_path):
    """The scan itself, on a page holding one of each defect the issue lists (and their fixed forms)."""
    bad = [
        "Within reach (planning.max_yearly_change).", "Thresholds: workspace.yaml bottlenecks.", "nps · company", "B-satisfaction_mean",
        "Serves customer_type=new", "commission 6,500,000", "4 note(s) on the input data", "-0.0%", "n/a",
        "Target matrix (销售目标分解表)",
    ]
    good = ["NPS · Company (n=233, p=0.544)", "commission 6.50 million CNY", "4 notes on the input data", "0.0%", "—", "Churn in 西南 is high",
            "the most widespread word is “传感器” (17% of texts)",
            "revenue 287,930,000"]
    page = tmp_path / "01_goals.html"
    page.write_text("<html><body>" + "".join(f"<p>{x}</p>" for x in bad) + "<table><tr><td>1,234,567</td></tr></table>"
                    + "<style>.a_b{}</style><code>x_y=1</code></body></html>", encoding="utf-8")
    found = findings(page, "en", ["西南"])
    rules = [f.split(": ")[1] for f in found]
    assert rules.count("config key") == 2 and rules.count("snake_case id") == 2 and rules.count("key=value") == 1
    assert rules.count("raw metric id") == 2  # nps, · company
    assert {"(s) plural", "negative zero", "n/a", "amount without unit", "Chinese in English prose"} <= set(rules)
    page.write_text("<p>" + "</p><p>".join(good[:-1]) + "</p>", encoding="utf-8")
    assert findings(page, "en", ["西南"]) == []
    page.write_text(f"<p>{good[-1]}</p>", encoding="utf-8")
    assert [f.split(": ")[1] for f in findings(page, "en", [])] == ["amount without unit"]


def test_every_analyst_note_has_its_chinese_text(tmp_path):
    """A Chinese run writes the notebooks' markdown in Chinese: every markdown cell of the four notebooks has a text."""
    import json
    import shutil

    from salesnb.notebook_zh import MARKDOWN_ZH, localise_markdown

    root = SAMPLE.parent.parent / "notebooks"
    for path in sorted(root.glob("0*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        ids = [c.get("id") for c in cells if c["cell_type"] == "markdown"]
        assert ids and all((path.stem, i) in MARKDOWN_ZH for i in ids), f"{path.name}: markdown cells without Chinese: {ids}"
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        assert localise_markdown(copy, "en") is False and localise_markdown(copy, "zh") is True
        notes = ["".join(c["source"]) for c in json.loads(copy.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "markdown"]
        assert all(CJK.search(n) and not re.search(r"\b(?:the|and|of|this)\b", n) for n in notes), path.name


@pytest.mark.e2e
def test_the_chinese_notebooks_carry_chinese_notes(sample_reports):
    import json

    for name in ("01_goals", "04_improvement"):
        cells = json.loads((sample_reports.folders["zh"] / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
        first = "".join(next(c for c in cells if c["cell_type"] == "markdown")["source"])
        assert first.startswith("# 第") and "Analysts" not in first
        cells = json.loads((sample_reports.folders["en"] / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
        assert "".join(next(c for c in cells if c["cell_type"] == "markdown")["source"]).startswith("# Step")
