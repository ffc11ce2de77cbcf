"""One fact, one number: every figure a leadership page shows next to a fact's label agrees with the fact
``summary.json`` records, in English and in Chinese; and the survey facts recomputed by hand from the
sample's survey file."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from salesnb import facts
from salesnb.i18n import t

LANGS = ("en", "zh")
NUM = r"([-−+]?\d[\d,]*(?:\.\d+)?%?)(?![\d.,%]*\s*(?:interval|区间))"
SEP = r"(?:\s|\||:|：|\(n\)|（n）|\bis\b|\bwas\b|为|是)*"


class _Text(HTMLParser):
    """The visible text of a page, table cells separated by `` | `` and rows by new lines."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("p", "tr", "h1", "h2", "h3", "h4", "li", "div", "br", "table", "caption", "figcaption"):
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"[ \t]+", " ", "".join(parser.parts))


def recorded(sample_reports, lang: str) -> dict[str, dict]:
    summary = json.loads((sample_reports.folders[lang] / "artifacts" / "summary.json").read_text(encoding="utf-8"))
    return facts.facts_of(summary)


def _num(text: str) -> str:
    return text.replace("−", "-").replace(",", "")


def shown(fact: dict, lang: str) -> str:
    """The fact as a page writes it, without the unit (amounts: the number only)."""
    out = facts.show(fact, lang)
    return _num(out.split(" ")[0]) if fact["format"] == "money" else _num(out)


def labelled_numbers(text: str, label: str, regions: tuple[str, ...] = ()) -> list[str]:
    """Every number written right after ``label`` (``NPS 21.5``, ``NPS | 21.5``, ``NPS (weighted) is 23.6``).

    A signed number ("+3.3") is a change, not the figure; a table row scoped to a region (a cell holding only a
    region's name, e.g. step 4's "High churn | 西南 | … | Churn rate: 19.0% → 14.2%") is that region's figure."""
    pattern = r"(?<![A-Za-z0-9_（(·])" + re.escape(label) + SEP + NUM
    out = []
    for m in re.finditer(pattern, text):
        line = text[text.rfind("\n", 0, m.start()) + 1: text.find("\n", m.end()) if "\n" in text[m.end():] else len(text)]
        if m.group(1).startswith("+") or any(re.search(r"\|\s*" + re.escape(r) + r"\s*\|", line) for r in regions):
            continue
        out.append(_num(m.group(1)))
    return out


@pytest.fixture(scope="module")
def pages(sample_reports) -> dict[str, dict[str, str]]:
    return {lang: {name: page_text(path) for name, path in sample_reports.pages(lang).items()} for lang in LANGS}


def test_the_run_records_each_fact_once_with_its_definition(sample_reports):
    for lang in LANGS:
        recorded_facts = recorded(sample_reports, lang)
        for key in ("nps", "nps_n", "satisfaction_mean", "satisfaction_top2", "revenue", "revenue_yoy", "nps_weighted",
                    "satisfaction_mean_weighted", "survey_answers", "driver_n", "problems", "budget_to_target",
                    "budget_to_target_spread", "at_risk_customers", "risk_signal_customers"):
            assert key in recorded_facts, (lang, key)
        for key, f in recorded_facts.items():
            assert set(f) >= {"value", "format", "weighted", "window", "n", "label", "step"}, key
            assert f["label"] == {lang_: facts.label(key, lang_) for lang_ in LANGS}, key
            if f["weighted"]:
                assert "(weighted)" in f["label"]["en"] and "（加权）" in f["label"]["zh"], key
        assert recorded_facts["nps"]["weighted"] is False and recorded_facts["nps"]["window"] == "2025Q4"
        assert recorded_facts["nps"]["n"] == recorded_facts["nps_n"]["value"]
        assert recorded_facts["nps_region.西南"]["window"] == "2025"
        assert recorded_facts["actions_open"]["step"] == "04_improvement"  # gathered by run_period from step 4's metrics
    # the same data and period give the same facts whatever the report language
    en, zh = recorded(sample_reports, "en"), recorded(sample_reports, "zh")
    assert {k: v["value"] for k, v in en.items()} == {k: v["value"] for k, v in zh.items()}
    summary = json.loads((sample_reports.folders["en"] / "artifacts" / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"]["nps"] == pytest.approx(en["nps"]["value"])  # the metrics block stays as it was


@pytest.mark.parametrize("lang", LANGS)
def test_every_labelled_figure_on_every_page_is_the_recorded_fact(sample_reports, pages, lang):
    recorded_facts = recorded(sample_reports, lang)
    regions = tuple(k.split(".", 1)[1] for k in recorded_facts if k.startswith("nps_region."))
    found: dict[str, set[str]] = {}
    wrong = []
    for name, text in pages[lang].items():
        for key, f in recorded_facts.items():
            if f["format"] == "money":  # amounts: checked on the summary's tile below (column headers name the unit)
                continue
            for number in labelled_numbers(text, f["label"][lang], regions):
                found.setdefault(key, set()).add(name)
                if number != shown(f, lang):
                    wrong.append((name, f["label"][lang], number, shown(f, lang)))
    assert not wrong, wrong
    # the figures each page must show under their label (the test is not vacuous)
    must = {"index.html": ["nps", "satisfaction_mean"], "01_goals.html": ["nps", "satisfaction_mean", "satisfaction_top2"],
            "03_diagnosis.html": ["nps_weighted"]}
    for page, keys in must.items():
        for key in keys:
            assert page in found.get(key, set()), (lang, page, key)
    unit = yaml.safe_load((sample_reports.workspaces[lang] / "workspace.yaml").read_text(encoding="utf-8"))
    revenue = facts.show(recorded_facts["revenue"], lang, unit=unit["company"]["display_unit"])
    assert re.search(re.escape(recorded_facts["revenue"]["label"][lang]) + r"\s*" + re.escape(revenue), pages[lang]["index.html"]), revenue


@pytest.mark.parametrize("lang", LANGS)
def test_counts_say_what_they_count_and_agree(sample_reports, pages, lang):
    recorded_facts = recorded(sample_reports, lang)
    by_counts: dict[str, set[str]] = {}
    for f in recorded_facts.values():
        if f.get("counts") and f["n"] is not None:
            by_counts.setdefault(f["counts"], set()).add(str(f["n"]))
    by_counts.setdefault("complete_answers", set()).add(str(recorded_facts["driver_n"]["value"]))
    seen = set()
    for name, text in pages[lang].items():
        for counts, values in by_counts.items():
            words = t(f"fact_counts_{counts}", lang)
            for m in re.finditer(NUM + r"\s*" + re.escape(words), text):
                seen.add(counts)
                assert _num(m.group(1)) in values, (name, m.group(0), values)
    assert "complete_answers" in seen  # step 3's driver model: "298 complete answers"
    step3 = pages[lang]["03_diagnosis.html"]
    assert not re.search(r"\bn=\d", step3.split(t("dg_sec_scores", lang), 1)[-1].split(t("dg_sec_complaints", lang), 1)[0]), \
        "step 3's survey figures say what n counts"


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_counts_the_recorded_open_actions(sample_reports, pages, lang):
    f = recorded(sample_reports, lang)["actions_open"]
    said = re.search(r"(\d+) open actions" if lang == "en" else r"进行中措施 (\d+) 项", pages[lang]["index.html"])
    assert said and int(said.group(1)) == f["value"]


@pytest.mark.parametrize("lang", LANGS)
def test_recording_a_fact_shows_nothing_on_the_page(sample_reports, lang):
    for name, path in sample_reports.pages(lang).items():
        html = path.read_text(encoding="utf-8")
        assert "&#x27;facts&#x27;" not in html and "'label': {" not in html and "&#x27;label&#x27;: {" not in html, name


@pytest.mark.parametrize("lang", LANGS)
def test_weighted_and_unweighted_tables_say_which(pages, lang):
    step3 = pages[lang]["03_diagnosis.html"]
    assert t("dg_col_mean_weighted", lang) in step3 and t("dg_col_top2_weighted", lang) in step3
    assert t("dg_col_current", lang) in step3 and ("(unweighted)" in step3 if lang == "en" else "（未加权）" in step3)


@pytest.mark.parametrize("lang", LANGS)
def test_region_nps_is_one_number_per_window(sample_reports, pages, lang):
    recorded_facts = recorded(sample_reports, lang)
    regions = {k.split(".", 1)[1]: f for k, f in recorded_facts.items() if k.startswith("nps_region.")}
    assert "西南" in regions
    text = pages[lang]["01_goals.html"]
    rows = 0
    for region, f in regions.items():  # step 1's "NPS by region, 2025" table: region | NPS | interval | … | n
        for m in re.finditer(r"\|\s*" + re.escape(region) + r"\s*\|\s*" + NUM + r"\s*\|", text):
            rows += 1
            assert _num(m.group(1)) == shown(f, lang), (region, m.group(0))
    assert rows >= len(regions)
    # the falling-NPS finding cites the same yearly figure
    fall = r"西南: NPS fell to " + NUM if lang == "en" else r"西南：NPS 由 \S+ 降至 " + NUM
    for m in re.finditer(fall, text):
        assert _num(m.group(1)) == shown(regions["西南"], lang)


@pytest.mark.parametrize("lang", LANGS)
def test_both_budget_ratios_are_labelled_and_recorded(sample_reports, pages, lang):
    recorded_facts = recorded(sample_reports, lang)
    whole, spread = recorded_facts["budget_to_target"], recorded_facts["budget_to_target_spread"]
    assert whole["value"] > spread["value"] > 0
    text = pages[lang]["02_breakdown.html"]
    assert facts.show(whole, lang) in text and facts.show(spread, lang) in text
    budget = json.loads((sample_reports.folders[lang] / "artifacts" / "summary.json").read_text(encoding="utf-8"))["metrics"]
    assert whole["value"] == pytest.approx(budget["budget_to_target"])


# -- the survey facts recomputed by hand from data/sample/surveys.csv ---------------------------------------


@pytest.fixture(scope="module")
def answers(sample_dir) -> pd.DataFrame:
    """Every survey answer, with the region of the customer master where the respondent is a customer there
    (the run places answers in the master's region; prospects keep the survey's)."""
    s = pd.read_csv(sample_dir / "surveys.csv", dtype={"customer_id": str}, parse_dates=["survey_date"])
    master = pd.read_excel(sample_dir / "customers.xlsx", dtype=str)
    region = dict(zip(master["客户编号"], master["区域"]))
    return s.assign(region=[region.get(c, r) if isinstance(c, str) else r for c, r in zip(s["customer_id"], s["region"])])


@pytest.fixture(scope="module")
def q4_answers(answers) -> pd.DataFrame:
    return answers.loc[(answers["survey_date"] >= "2025-10-01") & (answers["survey_date"] < "2026-01-01")]


def _nps_by_hand(scores: pd.Series, weights: pd.Series | None = None) -> float:
    scores = scores.dropna()
    w = pd.Series(1.0, index=scores.index) if weights is None else weights.loc[scores.index]
    promoters = w[scores >= 9].sum() / w.sum()
    detractors = w[scores <= 6].sum() / w.sum()
    return 100 * (promoters - detractors)


def test_unweighted_nps_and_satisfaction_by_hand(sample_reports, q4_answers):
    f = recorded(sample_reports, "en")
    assert f["nps"]["value"] == pytest.approx(_nps_by_hand(q4_answers["nps"]))
    assert f["nps_n"]["value"] == q4_answers["nps"].notna().sum()
    sat = q4_answers["satisfaction"].dropna()
    assert f["satisfaction_mean"]["value"] == pytest.approx(sat.mean())
    assert f["satisfaction_top2"]["value"] == pytest.approx((sat >= 4).mean())
    assert f["survey_answers"]["value"] == len(q4_answers)


def test_weighted_nps_by_hand_from_the_plan_population(sample_reports, q4_answers):
    """w_h = (N_h / N) / (r_h / r) per region (the customer master's) × respondent type, N from sample_plan.csv's population."""
    f = recorded(sample_reports, "en")
    plan = pd.read_csv(sample_reports.folders["en"] / "artifacts" / "sample_plan.csv", encoding="utf-8-sig")
    population = {(r, s): n for r, s, n in zip(plan["region"], plan["status"], plan["population"]) if n > 0}
    cells = list(zip(q4_answers["region"], q4_answers["respondent_type"]))
    known = np.array([c in population for c in cells])
    answered = pd.Series([c for c, k in zip(cells, known) if k]).value_counts()
    n_pop = sum(population[c] for c in answered.index)
    weight = [(population[c] / n_pop) / (answered[c] / known.sum()) if k else 1.0 for c, k in zip(cells, known)]
    weights = pd.Series(weight, index=q4_answers.index)
    assert f["nps_weighted"]["value"] == pytest.approx(_nps_by_hand(q4_answers["nps"], weights), abs=1e-9)
    assert f["nps_weighted"]["value"] != pytest.approx(f["nps"]["value"], abs=0.5)  # two facts, two labels


def test_region_nps_by_hand_for_the_year(sample_reports, answers):
    year = answers.loc[answers["survey_date"].dt.year == 2025]
    f = recorded(sample_reports, "en")
    for region, group in year.groupby("region"):
        assert f[f"nps_region.{region}"]["value"] == pytest.approx(_nps_by_hand(group["nps"])), region
        assert f[f"nps_region.{region}"]["n"] == group["nps"].notna().sum()


def test_show_formats_each_kind_and_missing_as_a_dash():
    assert facts.show(21.456, "en", "score1") == "21.5"
    assert facts.show(4.0249, "zh", "score2") == "4.02"
    assert facts.show(0.05731, "en", "share1") == "5.7%"
    assert facts.show(0.144, "en", "signed_share1") == "+14.4%"
    assert facts.show(float("nan"), "zh", "score1") == "—"
    assert facts.show(1345, "en", "count") == "1,345"
    with pytest.raises(KeyError):
        facts.fact("no_such_fact", 1.0, window="2025Q4")
